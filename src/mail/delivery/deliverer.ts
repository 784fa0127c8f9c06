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
import { deferredEvent, settledEvent, type DeferredEmail } from '../webhooks/email-events';
import { WebhookPublisher } from '../webhooks/webhook-publisher';
import type { SettledEmail } from './settled-email';

export type AttemptOutcome =
  | { kind: 'sent'; receipt: TransportReceipt }
  | { kind: 'retry'; error: DeliveryErrorInfo; delayMs: number }
  | { kind: 'failed'; error: DeliveryErrorInfo };

/** The outcome of an email whose stored payload cannot be read back (local drivers). */
export const UNREADABLE: AttemptOutcome = {
  kind: 'failed',
  error: {
    code: 'message',
    smtpCode: null,
    message: 'the email could not be read from the queue store',
    retryable: false,
  },
};

/** Emails tracked at most for webhooks between attempt and outcome. */
const MAX_TRACKED = 10_000;

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
  /** Webhooks only: the relay that took an email, from its attempt until it settles. */
  private readonly relays = new Map<string, string>();
  /** Webhooks only: emails whose `email.deferred` this process wrote (once per email). */
  private readonly deferrals = new Set<string>();

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
      if (receipt.relay !== undefined && this.webhooks?.active) this.keepRelay(id, receipt.relay);
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

  /** What is left of the lifetime of mail accepted at `acceptedAt` (ms, 0 when spent). */
  lifetimeLeft(acceptedAt: number, now = Date.now()): number {
    return this.policy.lifetimeLeft(acceptedAt, now);
  }

  /** Whether the transport can take mail now (false while every relay is known down). */
  available(): boolean {
    return this.transport.availability?.available() ?? true;
  }

  /** Calls `listener` when the relay is available again; returns the unsubscribe. */
  onAvailable(listener: () => void): () => void {
    return this.transport.availability?.onAvailable(listener) ?? (() => undefined);
  }

  /**
   * The outcome's webhook event alone, durable when this resolves: the redis driver writes it
   * before it claims the outcome (a replica killed in between leaves an unclaimed job whose
   * reconcile writes it again, with the same webhook-id), then calls settled(…, true).
   */
  async announce(outcome: SettledEmail): Promise<void> {
    if (!this.webhooks?.wants(outcome.client)) return;
    const refused = this.refusals.peek(outcome.id);
    await this.webhooks.publish(...settledEvent(outcome, refused, this.relays.get(outcome.id)));
  }

  /** Records an email's final outcome; drivers call it exactly once per email. */
  settled(outcome: SettledEmail, announced = false): void {
    this.metrics.settled(outcome);
    const refused = this.refusals.take(outcome.id);
    if (refused) this.suppressions?.recordRefusals(outcome.client, refused);
    if (this.webhooks?.active) {
      const relay = this.relays.get(outcome.id);
      this.relays.delete(outcome.id);
      this.deferrals.delete(outcome.id);
      if (!announced && this.webhooks.wants(outcome.client))
        this.publish(outcome.id, ...settledEvent(outcome, refused, relay));
    }
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
   * An email went (back) to waiting: a temporary failure, stored by its driver as deferred,
   * or held while every relay is down. `email.deferred` once per email, not per retry:
   * receivers learn that it is late, then its outcome (README, "Webhooks").
   */
  deferred(email: DeferredEmail): void {
    if (!this.webhooks?.wants(email.client) || this.deferrals.has(email.id)) return;
    if (this.deferrals.size >= MAX_TRACKED) this.deferrals.clear(); // a repeat has the same id
    this.deferrals.add(email.id);
    this.publish(email.id, 'email.deferred', deferredEvent(email, email.lastError ?? RELAY_DOWN));
  }

  /**
   * Written to the durable outbox after the driver committed the state (drivers call
   * settled/deferred once it is stored).
   */
  private publish(emailId: string, ...[type, data]: Parameters<WebhookPublisher['publish']>) {
    this.webhooks!.publish(type, data).catch((err: Error) =>
      this.outcomes.warn({ msg: 'webhook event not written', emailId, error: err.message }),
    );
  }

  private keepRelay(id: string, relay: string): void {
    // An email lost between attempt and settle (crash, another replica) must not leak.
    if (this.relays.size >= MAX_TRACKED) this.relays.delete(this.relays.keys().next().value!);
    this.relays.set(id, relay);
  }

  /** SMTP replies quote recipients; LOG_REDACT_RECIPIENTS (default on) keeps them out of logs. */
  private forLog(text: string): string {
    return this.security.logRedactRecipients === false ? text : redactAddresses(text);
  }
}
