import {
  Body,
  Controller,
  Get,
  Headers,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Caller, type CallerContext } from '../core/client-identity';
import type { EmailView } from './delivery/email-view';
import { SendEmailDto } from './dto/send-email.dto';
import { toEmailResponse } from './email-response';
import { MailService } from './mail.service';

/** RFC 7240: `Prefer: respond-async` asks for 202 without waiting. */
function wantsAsync(prefer: string | undefined): boolean {
  return prefer !== undefined && /(^|[,\s])respond-async\b/i.test(prefer);
}

@Controller()
export class MailController {
  constructor(private readonly mail: MailService) {}

  @Post('send-email')
  async send(
    @Body() dto: SendEmailDto,
    @Caller() caller: CallerContext,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const respondAsync = wantsAsync(prefer);
    const view = await this.mail.send(dto, {
      client: caller.client,
      startedAt: caller.startedAt,
      waitMs: respondAsync ? 0 : undefined,
    });
    const response = toEmailResponse(view);
    void reply.status(response.status);
    if (response.location) void reply.header('location', response.location);
    if (respondAsync) void reply.header('preference-applied', 'respond-async');
    return response.body;
  }

  @Get('emails/:id')
  async find(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<EmailView> {
    const view = await this.mail.find(id);
    if (!view) throw new NotFoundException(`no email ${id} (unknown, or past its retention)`);
    return view;
  }
}
