import {
  Body,
  Controller,
  Get,
  Headers,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Caller, type CallerContext } from '../core/client-identity';
import { ApiError, invalidField } from '../core/error-body';
import { BatchSender } from './batch/batch-sender';
import type { EmailView } from './delivery/email-view';
import { SendEmailDto } from './dto/send-email.dto';
import { toEmailResponse } from './email-response';
import { MailService } from './mail.service';

/** `:id` must be a UUID v4; anything else is a 400 naming `id`, not a lookup. */
const EMAIL_ID_PIPE = new ParseUUIDPipe({
  version: '4',
  exceptionFactory: () => invalidField('id', 'id must be an email id (a UUID)'),
});
/** RFC 7240: `Prefer: respond-async` asks for 202 without waiting. */
function wantsAsync(prefer: string | undefined): boolean {
  return prefer !== undefined && /(^|[,\s])respond-async\b/i.test(prefer);
}

@Controller()
export class MailController {
  constructor(
    private readonly mail: MailService,
    private readonly batch: BatchSender,
  ) {}

  @Post('send-email')
  async send(
    @Body() dto: SendEmailDto,
    @Caller() caller: CallerContext,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<Record<string, unknown>> {
    const respondAsync = wantsAsync(prefer);
    if (
      idempotencyKey !== undefined &&
      (idempotencyKey.length === 0 || idempotencyKey.length > 255)
    ) {
      throw invalidField('Idempotency-Key', 'Idempotency-Key must be 1 to 255 characters');
    }
    const view = await this.mail.send(dto, {
      client: caller.client,
      startedAt: caller.startedAt,
      waitMs: respondAsync ? 0 : undefined,
      idempotencyKey,
      requestId: caller.requestId,
    });
    const response = toEmailResponse(view);
    void reply.status(response.status);
    if (response.location) void reply.header('location', response.location);
    if (respondAsync) void reply.header('preference-applied', 'respond-async');
    return response.body;
  }

  /** Up to 100 emails per request, each validated and queued on its own; 200 or 207. */
  @Post('send-email/batch')
  async sendBatch(
    @Body() body: unknown,
    @Caller() caller: CallerContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const result = await this.batch.send(body, caller);
    void reply.status(result.httpStatus);
    return result.body;
  }

  /** Dead letters: `GET /emails?status=failed&limit=50` (limit 1–100), newest first. */
  @Get('emails')
  async list(
    @Query('status') status: string | undefined,
    @Query('limit') limit: string | undefined,
  ): Promise<Record<string, unknown>> {
    if (status !== 'failed') {
      throw invalidField('status', 'status=failed is required (only dead letters are listed)');
    }
    const max = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw invalidField('limit', 'limit must be an integer from 1 to 100');
    }
    const emails = await this.mail.listFailed(max);
    return { status, count: emails.length, emails };
  }

  /** Re-drives a dead letter: 202 + Location; 409 when the email is not failed. */
  @Post('emails/:id/retry')
  async retry(
    @Param('id', EMAIL_ID_PIPE) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const result = await this.mail.retry(id);
    if (result.kind === 'not-found') {
      throw new ApiError(404, 'not_found', `no email ${id} (unknown, or past its retention)`);
    }
    if (result.kind === 'not-failed') {
      throw new ApiError(
        409,
        'email_not_failed',
        `email ${id} is ${result.view.status}, not failed`,
      );
    }
    void reply.status(202).header('location', `/emails/${id}`);
    return { id, status: 'queued', attempts: result.view.attempts };
  }

  @Get('emails/:id')
  async find(@Param('id', EMAIL_ID_PIPE) id: string): Promise<EmailView> {
    const view = await this.mail.find(id);
    if (!view)
      throw new ApiError(404, 'not_found', `no email ${id} (unknown, or past its retention)`);
    return view;
  }
}
