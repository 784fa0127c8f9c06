import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, type CallerContext } from '../core/client-identity';
import { invalidField } from '../core/error-body';
import {
  QUOTA_HEADERS,
  RATE_LIMIT_HEADERS,
  SEND_EMAIL_STATUSES,
} from '../openapi/response-examples';
import { schemaRef } from '../openapi/schemas';
import { BatchSender } from './batch/batch-sender';
import { SendEmailDto } from './dto/send-email.dto';
import {
  foundOr404,
  reply,
  toEmailResponse,
  toRetryResponse,
  type PublicEmailView,
} from './email-response';
import { IdempotencyKey } from './http/idempotency-key.pipe';
import {
  ApiClientHeader,
  ApiCommonStatuses,
  ApiRequestIdHeader,
  ApiStatuses,
} from './http/mail-api.docs';
import { RespondAsync } from './http/respond-async.decorator';
import { MailService } from './mail.service';
import { quotaHeaderSetter } from './quota/quota-exceeded.error';

/**
 * `:id` must be a UUID (version 7 since issue 20, version 4 before: both are looked up);
 * anything else is a 400 naming `id`, not a lookup.
 */
const uuid = new ParseUUIDPipe({
  version: 'all',
  exceptionFactory: () => invalidField('id', 'id must be an email id (a UUID)'),
});

@ApiTags('mail')
@Controller()
export class MailController {
  constructor(
    private readonly mail: MailService,
    private readonly batch: BatchSender,
  ) {}

  @Post('send-email')
  @ApiOperation({
    summary: 'Send one email',
    description:
      'Waits up to SEND_WAIT_MS for the outcome (200 sent, 502 failed), else 202 with Location. `Prefer: respond-async` answers 202 at once. Give `template` + `context` instead of text/html to render a named template (422 when it cannot be rendered; nothing is queued).',
  })
  @ApiBody({ type: SendEmailDto })
  @ApiClientHeader()
  @ApiRequestIdHeader()
  @ApiHeader({ name: 'Prefer', required: false, example: 'respond-async' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1–255 characters' })
  @ApiStatuses(...SEND_EMAIL_STATUSES)
  async send(
    @Body() dto: SendEmailDto,
    @Caller() caller: CallerContext,
    @RespondAsync() respondAsync: boolean,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const view = await this.mail.send(dto, {
      ...caller,
      waitMs: respondAsync ? 0 : undefined,
      idempotencyKey,
      onQuota: quotaHeaderSetter(res),
    });
    return reply(res, toEmailResponse(view), respondAsync);
  }

  /** Up to 100 emails per request, each validated and queued on its own; 200 or 207. */
  @Post('send-email/batch')
  @ApiOperation({ summary: 'Send up to 100 emails; each validated and queued on its own' })
  @ApiBody({ schema: schemaRef('BatchRequest') })
  @ApiClientHeader()
  @ApiResponse({
    status: 200,
    description: 'Every email accepted.',
    schema: schemaRef('BatchResult'),
    headers: { ...RATE_LIMIT_HEADERS, ...QUOTA_HEADERS },
  })
  @ApiResponse({
    status: 207,
    description: 'Some emails refused (400 invalid, 429 over quota, …); per-email statuses inside.',
    schema: schemaRef('BatchResult'),
    headers: { ...RATE_LIMIT_HEADERS, ...QUOTA_HEADERS },
  })
  @ApiStatuses(400, 408, 413, 415, 503)
  @ApiCommonStatuses()
  async sendBatch(
    @Body() body: unknown,
    @Caller() caller: CallerContext,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const result = await this.batch.send(body, caller, quotaHeaderSetter(res));
    return reply(res, { status: result.httpStatus, body: result.body });
  }

  /** Re-drives a dead letter: 202 + Location; 409 when the email is not failed. */
  @Post('emails/:id/retry')
  @ApiOperation({ summary: 'Re-drive a failed email with a fresh attempt budget' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 202,
    description: 'Queued again; poll Location.',
    schema: schemaRef('Requeued'),
    headers: {
      Location: { description: '/emails/{id}', required: true, schema: { type: 'string' } },
      ...RATE_LIMIT_HEADERS,
    },
  })
  @ApiStatuses(400, 404, 409)
  @ApiCommonStatuses()
  async retry(
    @Param('id', uuid) id: string,
    @Caller() caller: CallerContext,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    return reply(res, toRetryResponse(id, await this.mail.retry(id, caller.client)));
  }

  @Get('emails/:id')
  @ApiOperation({ summary: "An email's current state" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 200,
    description: 'The email (only the caller’s own).',
    schema: schemaRef('EmailView'),
    headers: RATE_LIMIT_HEADERS,
  })
  @ApiStatuses(400, 404)
  @ApiCommonStatuses()
  async find(
    @Param('id', uuid) id: string,
    @Caller() caller: CallerContext,
  ): Promise<PublicEmailView> {
    return foundOr404(id, await this.mail.find(id, caller.client));
  }
}
