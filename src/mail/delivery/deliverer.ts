import { Inject, Injectable, Optional } from '@nestjs/common';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { securityConfig, type SecurityConfig } from '../../config/security.config';
import { redactAddresses } from '../../logging/address-redaction';
import { eventLines, EventLog, type EventLines } from '../../logging/event-lines';
import { MAIL_TRANSPORT } from '../mail.constants';
import { EmailMetrics } from '../metrics/email-metrics';
import type { MailTransport, OutgoingEmail, TransportReceipt } from '../transport/mail-transport';
import { toDeliveryError, type DeliveryErrorInfo } from './delivery-error';
import { RetryPolicy } from './retry-policy';
import { RefusalTracker } from '../suppression/refusal-tracker';
import { SuppressionList } from '../suppression/suppression-list';
import { WebhookPublisher } from '../webhooks/webhook-publisher';
import type { SettledEmail } from './settled-email';

export type AttemptOutcome =
  | { kind: 'sent'; receipt: TransportReceipt }
  | { kind: 'retry'; error: DeliveryErrorInfo; delayMs: number }
  | { kind: 'failed'; error: DeliveryErrorInfo };

/** What mail held while every relay is down shows as its last error. */
export const RELAY_DOWN: DeliveryErrorInfo = {
  code: 'connection',
  smtpCode: null,
  message: 'every relay was down',
  retryable: true,
};

/**
 * One delivery attempt and what follows from it, shared by every queue driver so that
 * retry decisions, metrics and logs are the same whichever queue runs them. Classification
 * is the transport's job: it rejects with a DeliveryError (anything else counts as unknown).
 */
@Injectable()
export class Deliverer {
  private readonly policy: RetryPolicy;
  /** The outcome line, once per email: the one line a send writes at info level. */
  private readonly outcomes: EventLines;
  /** Recipients refused for good, from an attempt until its email settles (suppression). */
  private readonly refusals = new RefusalTracker();

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly metrics: EmailMetrics,
    @Inject(mailConfig.KEY) config: MailConfig,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
    @Optional() events?: EventLog,
    @Optional() private readonly suppressions?: SuppressionList,
    @Optional() private readonly webhooks?: WebhookPublisher,
  ) {
    this.policy = new RetryPolicy(config);
    this.outcomes = events?.lines('Delivery') ?? eventLines('Delivery');
  }

  /**
   * `attemptNumber` counts from 1; `acceptedAt` (epoch ms: the request's arrival, or the job's
   * creation) starts the email's DELIVERY_LIFETIME.
   */
  async attempt(
    email: OutgoingEmail,
    id: string,
    attemptNumber: number,
    acceptedAt?: number,
  ): Promise<AttemptOutcome> {
    try {
      const receipt = await this.transport.send(email, id);
      this.metrics.attempt('success');
      if (this.suppressions) this.refusals.sent(id, receipt);
      return { kind: 'sent', receipt };
    } catch (err) {
      const error = toDeliveryError(err).toInfo();
      const decision = this.policy.decide(error, attemptNumber, acceptedAt);
      if (decision.kind === 'retry') {
        this.metrics.attempt('transient');
        this.metrics.retry(error.code);
        const { delayMs } = decision;
        // Fields, not prose: log pipelines filter on emailId/reason/smtpCode (issue 25).
        this.outcomes.warn({
          msg: 'email attempt failed; retrying',
          emailId: id,
          attempt: attemptNumber,
          reason: error.code,
          smtpCode: error.smtpCode ?? undefined,
          retryInMs: delayMs,
        });
        return { kind: 'retry', error, delayMs };
      }
      this.metrics.attempt(error.retryable ? 'transient' : 'permanent');
      if (this.suppressions) this.refusals.failed(id, email, err, error);
      return { kind: 'failed', error: decision.error };
    }
  }

  /**
   * For mail held while every relay is down (no attempt made): the `expired` failure once
   * its lifetime is spent, else undefined.
   */
  expiry(acceptedAt: number, last?: DeliveryErrorInfo): DeliveryErrorInfo | undefined {
    return this.policy.expiry(acceptedAt, last ?? RELAY_DOWN);
  }

  /** Whether the transport can take mail now (false while every relay is known down). */
  available(): boolean {
    return this.transport.availability?.available() ?? true;
  }

  /** Calls `listener` when the relay is available again; returns the unsubscribe. */
  onAvailable(listener: () => void): () => void {
    return this.transport.availability?.onAvailable(listener) ?? (() => undefined);
  }

  /** Records an email's final outcome; drivers call it exactly once per email. */
  settled(outcome: SettledEmail): void {
    this.metrics.settled(outcome);
    const refused = this.refusals.take(outcome.id);
    if (refused) this.suppressions?.recordRefusals(outcome.client, refused);
    if (this.webhooks?.wants(outcome.client)) this.publish(outcome, refused);
    // One line per email with its final outcome, joinable to its request by requestId.
    const line = {
      msg: outcome.status === 'sent' ? 'email sent' : 'email failed',
      emailId: outcome.id,
      client: outcome.client,
      requestId: outcome.meta.requestId,
      attempts: outcome.attempts,
      durationSeconds: Math.round(outcome.durationSeconds * 1000) / 1000,
    };
    if (outcome.status === 'failed') {
      this.outcomes.warn({
        ...line,
        reason: outcome.error?.code,
        smtpCode: outcome.error?.smtpCode ?? undefined,
        error: this.forLog(outcome.error?.message ?? ''),
      });
    } else {
      this.outcomes.info(line);
    }
  }

  /**
   * The outcome's event, written to the durable outbox after the driver committed the state
   * (drivers call settled once it is stored). A failure that retries could not fix is
   * `email.expired`; a permanent one `email.failed`.
   */
  private publish(outcome: SettledEmail, refused?: Array<{ address: string; reason: string }>) {
    const type =
      outcome.status === 'sent'
        ? 'email.sent'
        : outcome.error?.retryable
          ? 'email.expired'
          : 'email.failed';
    try {
      this.webhooks!.publish(type, {
        emailId: outcome.id,
        client: outcome.client,
        meta: outcome.meta,
        attempts: outcome.attempts,
        refused,
        error: outcome.error && {
          code: outcome.error.code,
          smtpCode: outcome.error.smtpCode,
          message: outcome.error.message,
        },
      });
    } catch (err) {
      this.outcomes.warn({
        msg: 'webhook event not written',
        emailId: outcome.id,
        error: (err as Error).message,
      });
    }
  }

  /** SMTP replies quote recipients; LOG_REDACT_RECIPIENTS (default on) keeps them out of logs. */
  private forLog(text: string): string {
    return this.security.logRedactRecipients === false ? text : redactAddresses(text);
  }
}
