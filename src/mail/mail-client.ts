import { Injectable } from '@nestjs/common';
import { sanitizeClientId } from '../core/client-identity';
import { createValidationPipe } from '../core/validation';
import type { EmailView } from './delivery/email-view';
import { SendEmailDto } from './dto/send-email.dto';
import { MailService, type EmailMessage } from './mail.service';

/** How another module sends: under its own client name, like an API key's client. */
export interface MailClientOptions {
  /**
   * The `client` label of the email metrics and the sender policy's client (CLIENT_SENDERS):
   * one fixed name per module, letters, digits, `.`, `_`, `-`, at most 64 characters.
   */
  client: string;
  /** How long to wait for the outcome; 0 returns once queued. Default SEND_WAIT_MS. */
  waitMs?: number;
  /** A repeat with the same key (per client) returns the first email and never sends again. */
  idempotencyKey?: string;
}

/**
 * The one way other teams' modules send mail (import MailModule, inject MailClient). It goes
 * exactly where `POST /send-email` goes: the same validation (SendEmailDto; ApiError 400
 * naming each bad field), the sender/recipient policy (403), templates (422), the queue with
 * its retries, and the email metrics under `options.client`. Nothing else in the app can
 * send: MailerService is private to MailModule.
 *
 * ```ts
 * const view = await this.mail.send({ to, subject: 'Hi', text: 'Hello' }, { client: 'billing' });
 * ```
 */
@Injectable()
export class MailClient {
  // The global pipe's own configuration: the errors are byte for byte the REST API's.
  private readonly validation = createValidationPipe();

  constructor(private readonly mail: MailService) {}

  async send(message: EmailMessage, options: MailClientOptions): Promise<EmailView> {
    const client = options?.client;
    if (typeof client !== 'string' || client === '' || sanitizeClientId(client) !== client)
      throw new TypeError(
        `MailClient.send: options.client must be a fixed name of letters, digits, '.', '_' or '-' (at most 64), got ${JSON.stringify(client)}`,
      );
    const dto = (await this.validation.transform(message, {
      type: 'body',
      metatype: SendEmailDto,
    })) as SendEmailDto;
    return this.mail.send(dto, {
      client,
      waitMs: options.waitMs,
      idempotencyKey: options.idempotencyKey,
    });
  }

  /** An email this client sent, as `GET /emails/{id}` shows it; undefined for another client's. */
  find(id: string, client: string): Promise<EmailView | undefined> {
    return this.mail.find(id, client);
  }
}
