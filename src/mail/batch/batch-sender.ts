import type { CallerContext } from '../../core/client-identity';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { carryOctets } from '../../core/kept-octets';
import { defaultErrorCode, invalidField, isErrorCode, type ErrorCode } from '../../core/error-body';
import { flattenValidationErrors, type FieldError } from '../../core/validation';
import { SendEmailDto } from '../dto/send-email.dto';
import { MailService, type SendOptions } from '../mail.service';
import { suppressedOf, type SuppressedRecipient } from '../suppression/suppressed-recipients';

export const MAX_BATCH_SIZE = 100;

export interface BatchItemResult {
  index: number;
  /** The HTTP status this email would have had alone: 202 queued, 400 invalid, 503 … */
  status: number;
  /** On a refused item: the code POST /send-email would have answered (branch on it, not on message). */
  code?: ErrorCode;
  id?: string;
  location?: string;
  errors?: FieldError[];
  message?: string;
  suppressed?: SuppressedRecipient[];
}

export interface BatchResult {
  /** 200 when every email was queued, 207 (Multi-Status) when any item was refused. */
  httpStatus: number;
  body: { accepted: number; rejected: number; results: BatchItemResult[] };
}

/**
 * POST /send-email/batch: each item is validated against SendEmailDto on its own (the
 * global pipe would reject the whole batch for one bad item) and queued without waiting.
 */
@Injectable()
export class BatchSender {
  constructor(private readonly mail: MailService) {}

  async send(
    body: unknown,
    caller: CallerContext,
    onQuota?: SendOptions['onQuota'],
  ): Promise<BatchResult> {
    const emails = (body as { emails?: unknown } | null)?.emails;
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > MAX_BATCH_SIZE) {
      throw invalidField(
        'emails',
        `body must be {"emails": [...]} with 1 to ${MAX_BATCH_SIZE} emails`,
      );
    }
    const results = await Promise.all(
      emails.map((item, index) => this.sendOne(item, index, caller, onQuota)),
    );
    const accepted = results.filter((r) => r.status === 202).length;
    return {
      httpStatus: accepted === results.length ? HttpStatus.OK : HttpStatus.MULTI_STATUS,
      body: { accepted, rejected: results.length - accepted, results },
    };
  }

  private async sendOne(
    item: unknown,
    index: number,
    caller: CallerContext,
    onQuota?: SendOptions['onQuota'],
  ): Promise<BatchItemResult> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { index, status: 400, code: 'invalid_body', message: 'each email must be an object' };
    }
    const dto = plainToInstance(SendEmailDto, item);
    // The item's large bodies keep the octets the body parser kept (kept-octets.ts).
    carryOctets(item, dto);
    const problems = await validate(dto, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false, value: false },
    });
    if (problems.length > 0) {
      return {
        index,
        status: 400,
        code: 'validation_failed',
        errors: flattenValidationErrors(problems),
      };
    }
    try {
      const view = await this.mail.send(dto, { ...caller, waitMs: 0, onQuota });
      return {
        index,
        status: 202,
        id: view.id,
        location: `/emails/${view.id}`,
        ...suppressedOf(view.meta),
      };
    } catch (err) {
      if (!(err instanceof HttpException)) throw err;
      const response = err.getResponse();
      const {
        message: detail,
        code,
        fields,
      } = typeof response === 'string'
        ? { message: response, code: undefined, fields: undefined }
        : (response as { message?: unknown; code?: unknown; fields?: unknown });
      const message = typeof detail === 'string' ? detail : err.message;
      const status = err.getStatus();
      return {
        index,
        status,
        code: isErrorCode(code) ? code : defaultErrorCode(status, Array.isArray(fields)),
        message,
      };
    }
  }
}
