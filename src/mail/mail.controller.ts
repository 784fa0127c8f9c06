import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, type CallerContext } from '../core/client-identity';
import { SEND_EMAIL_STATUSES, RESPONSES } from '../openapi/response-examples';
import { BatchSender } from './batch/batch-sender';
import type { EmailView } from './delivery/email-view';
import { ListEmailsQueryDto } from './dto/list-emails.query';
import { SendEmailDto } from './dto/send-email.dto';
import { foundOr404, reply, toEmailResponse, toRetryResponse } from './email-response';
import { IdempotencyKey } from './http/idempotency-key.pipe';
import {
  ApiClientHeader,
  ApiCommonStatuses,
  ApiRequestIdHeader,
  ApiStatuses,
} from './http/mail-api.docs';
import { RespondAsync } from './http/respond-async.decorator';
import { MailService } from './mail.service';

const uuid = new ParseUUIDPipe({ version: '4' });

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
    });
    return reply(res, toEmailResponse(view), respondAsync);
  }

  /** Up to 100 emails per request, each validated and queued on its own; 200 or 207. */
  @Post('send-email/batch')
  @ApiOperation({ summary: 'Send up to 100 emails; each validated and queued on its own' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        emails: { type: 'array', items: { $ref: '#/components/schemas/SendEmailDto' } },
      },
    },
  })
  @ApiClientHeader()
  @ApiResponse({ status: 200, description: 'Every email accepted.' })
  @ApiResponse({ status: 207, description: 'Some emails refused; per-email statuses inside.' })
  @ApiStatuses(400, 413, 415, 503)
  @ApiCommonStatuses()
  async sendBatch(
    @Body() body: unknown,
    @Caller() caller: CallerContext,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const result = await this.batch.send(body, caller);
    return reply(res, { status: result.httpStatus, body: result.body });
  }

  /** Dead letters: `GET /emails?status=failed&limit=50` (limit 1–100), newest first. */
  @Get('emails')
  @ApiOperation({ summary: 'List dead letters (emails that failed for good), newest first' })
  @ApiResponse({ status: 200, description: 'The failed emails.' })
  @ApiStatuses(400)
  @ApiCommonStatuses()
  async list(@Query() query: ListEmailsQueryDto): Promise<Record<string, unknown>> {
    const emails = await this.mail.listFailed(query.limit);
    return { status: query.status, count: emails.length, emails };
  }

  /** Re-drives a dead letter: 202 + Location; 409 when the email is not failed. */
  @Post('emails/:id/retry')
  @ApiOperation({ summary: 'Re-drive a failed email with a fresh attempt budget' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, description: 'Queued again; poll Location.' })
  @ApiResponse({ status: 409, description: 'The email is not failed.' })
  @ApiStatuses(400, 404)
  @ApiCommonStatuses()
  async retry(
    @Param('id', uuid) id: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    return reply(res, toRetryResponse(id, await this.mail.retry(id)));
  }

  @Get('emails/:id')
  @ApiOperation({ summary: "An email's current state" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, ...RESPONSES[200], description: 'The email.' })
  @ApiStatuses(400, 404)
  @ApiCommonStatuses()
  async find(@Param('id', uuid) id: string): Promise<EmailView> {
    return foundOr404(id, await this.mail.find(id));
  }
}
