import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
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

/**
 * One delivery attempt and what follows from it, shared by every queue driver so that
 * retry decisions, metrics and logs are the same whichever queue runs them. Classification
 * is the transport's job: it rejects with a DeliveryError (anything else counts as unknown).
 */
@Injectable()
export class Deliverer {
  private readonly logger = new Logger('Delivery');
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

  /** `attemptNumber` counts from 1. */
  async attempt(email: OutgoingEmail, id: string, attemptNumber: number): Promise<AttemptOutcome> {
    try {
      const receipt = await this.transport.send(email, id);
      this.metrics.attempt('success');
      if (this.suppressions) this.refusals.sent(id, receipt);
      return { kind: 'sent', receipt };
    } catch (err) {
      const error = toDeliveryError(err).toInfo();
      if (this.policy.shouldRetry(error, attemptNumber)) {
        this.metrics.attempt('transient');
        this.metrics.retry(error.code);
        const delayMs = this.policy.delayMs(attemptNumber);
        this.logger.warn(
          `email ${id} attempt ${attemptNumber} failed (${error.code}${error.smtpCode ? ` ${error.smtpCode}` : ''}); retrying in ${delayMs} ms`,
        );
        return { kind: 'retry', error, delayMs };
      }
      this.metrics.attempt(error.retryable ? 'transient' : 'permanent');
      if (this.suppressions) this.refusals.failed(id, email, err, error);
      return { kind: 'failed', error };
    }
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
      this.logger.error(
        `webhook event for email ${outcome.id} not written: ${(err as Error).message}`,
      );
    }
  }

  /** SMTP replies quote recipients; LOG_REDACT_RECIPIENTS (default on) keeps them out of logs. */
  private forLog(text: string): string {
    return this.security.logRedactRecipients === false ? text : redactAddresses(text);
  }
}
