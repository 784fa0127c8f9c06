import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { UNKNOWN_CLIENT } from '../metrics/metrics.constants';
import type { DeliveryQueue } from './delivery/delivery-queue';
import type { EmailView } from './delivery/email-view';
import { DELIVERY_QUEUE } from './mail.constants';
import type { OutgoingEmail } from './transport/mail-transport';

/** An email as other modules hand it to MailService (the same shape as POST /send-email). */
export interface EmailMessage {
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  /** Defaults to MAIL_FROM. */
  from?: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
}

export interface SendOptions {
  /** Whose email this is: the `client` label of its metrics. */
  client?: string;
  /** How long to wait for the outcome; 0 returns as soon as it is queued. Default SEND_WAIT_MS. */
  waitMs?: number;
  /** performance.now() when the request arrived, if earlier than this call. */
  startedAt?: number;
}

const asList = (value: string | string[] | undefined): string[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/**
 * The public API for sending. Queues the email and waits for its outcome up to a bound;
 * delivery, retries and metrics happen in the queue whether or not anyone waits.
 *
 * ```ts
 * const view = await mailService.send({ to: 'a@example.com', subject: 'Hi', text: 'Hello' }, { client: 'billing' });
 * if (view.status === 'failed') ...
 * ```
 * Input is trusted here: validate untrusted input with SendEmailDto first.
 */
@Injectable()
export class MailService {
  constructor(
    @Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
  ) {}

  async send(message: EmailMessage, options: SendOptions = {}): Promise<EmailView> {
    const accepted = await this.queue.enqueue({
      email: this.normalise(message),
      client: options.client ?? UNKNOWN_CLIENT,
      startedAt: options.startedAt ?? performance.now(),
    });
    const waitMs = options.waitMs ?? this.config.sendWaitMs;
    if (waitMs <= 0) return accepted;
    return (await this.queue.waitForOutcome(accepted.id, waitMs)) ?? accepted;
  }

  /** The email's current state, or undefined when unknown or past retention. */
  find(id: string): Promise<EmailView | undefined> {
    return this.queue.find(id);
  }

  private normalise(message: EmailMessage): OutgoingEmail {
    return {
      from: message.from ?? this.config.mailFrom,
      to: asList(message.to) ?? [],
      cc: asList(message.cc),
      bcc: asList(message.bcc),
      replyTo: message.replyTo,
      subject: message.subject,
      text: message.text,
      html: message.html,
    };
  }
}
