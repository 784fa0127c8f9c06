import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { ApiError } from '../core/error-body';
import { carryOctets } from '../core/kept-octets';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { UNKNOWN_CLIENT } from '../core/client-identity';
import { TemplateRenderer } from '../templates/template-renderer';
import type { DeliveryQueue, RetryResult } from './delivery/drivers/delivery-queue';
import { QueueUnavailableError } from './delivery/drivers/queue-errors';
import { newEmailId } from './delivery/email-id';
import type { EmailView } from './delivery/email-view';
import type { EmailMeta } from './delivery/settled-email';
import {
  IDEMPOTENCY_STORE,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './idempotency/idempotency-store';
import { requestFingerprint, scopedIdempotencyKey } from './idempotency/request-fingerprint';
import { DELIVERY_QUEUE } from './mail.constants';
import { canonicalHeaders } from './headers/custom-headers';
import { RecipientOutcomes } from './outcomes/recipient-outcomes';
import { MessagePolicy } from './policy/message-policy';
import { rawOutgoing } from './raw-submission';
import { ReturnPaths } from './return-path/return-paths';
import { QuotaService } from './quota/quota.service';
import { SuppressionList } from './suppression/suppression-list';
import { suppressedMeta } from './suppression/suppressed-recipients';
import { tagsMeta } from './tags/email-tags';
import { WebhookPublisher } from './webhooks/webhook-publisher';
import type { EmailMessage, SendOptions } from './email-message';
import type { OutgoingEmail } from './transport/mail-transport';

export type { EmailMessage, SendOptions } from './email-message';

/** How long a duplicate waits for the first request of its key to store the email. */
const CLAIM_SETTLE_MS = 5_000;

// `== null`: the DTO's IsOptional lets null through as "absent" (found by test/api/fuzz.e2e-spec.ts).
const asList = (value: string | string[] | undefined): string[] | undefined =>
  value == null ? undefined : Array.isArray(value) ? value : [value];

/**
 * Sending, inside MailModule (REST, batch; other modules use MailClient, which validates
 * first). Queues the email and waits for its outcome up to a bound;
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
  private readonly logger = new Logger('Mail');

  constructor(
    @Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
    private readonly templates: TemplateRenderer,
    // Required: leaving a module out must never silently drop the sender allowlist.
    private readonly policy: MessagePolicy,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Optional() private readonly suppressions?: SuppressionList,
    @Optional() private readonly quotas?: QuotaService,
    @Optional() private readonly webhooks?: WebhookPublisher,
    // Absent (unit specs) or no BOUNCE_DOMAIN: no VERP. Else the id is chosen before enqueue.
    @Optional() private readonly returnPaths?: ReturnPaths,
    @Optional() private readonly outcomes?: RecipientOutcomes,
  ) {}

  async send(message: EmailMessage, options: SendOptions = {}): Promise<EmailView> {
    const client = options.client ?? UNKNOWN_CLIENT;
    // Sender/recipient policy and attachment cap: refused emails are never queued.
    this.policy.check(message, client);
    const normalised = this.normalise(message);
    // Suppressed recipients are dropped here, before the queue: no relay ever sees them.
    const { email, suppressed } = this.suppressions
      ? await this.suppressions.withoutSuppressed(client, normalised)
      : { email: normalised, suppressed: [] };
    const startedAt = options.startedAt ?? performance.now();
    const waitMs = options.waitMs ?? this.config.sendWaitMs;
    const meta = { ...this.metaFor(message, options), ...suppressedMeta(suppressed) };
    const id = this.returnPaths?.domain === undefined ? undefined : newEmailId();
    if (id !== undefined) email.envelopeFrom = this.returnPaths?.for(id);
    let accepted: EmailView;
    if (options.idempotencyKey !== undefined) {
      const scoped = scopedIdempotencyKey(client, options.idempotencyKey);
      // The request as sent (suppression can change between a request and its retry).
      const fingerprint = requestFingerprint({ ...normalised, envelopeFrom: undefined });
      const record = { id: id ?? newEmailId(), fingerprint };
      const held = await this.claim(scoped, record);
      if (held) return this.replay(held, record, waitMs);
      try {
        accepted = await this.counted(client, options.onQuota, () =>
          this.queue.enqueue({ email, client, startedAt, id: record.id, meta }),
        );
      } catch (err) {
        // Nothing was stored: free the key so the client's retry is not told "already sent".
        await this.idempotency.release(scoped, record).catch(() => undefined);
        throw err;
      }
    } else {
      accepted = await this.counted(client, options.onQuota, () =>
        this.queue.enqueue({ email, client, startedAt, id, meta }),
      );
    }
    if (suppressed.length > 0 && this.webhooks?.wants(client)) {
      // Awaited: durable before the 202 (the email itself is already stored).
      await this.webhooks
        .publish('email.suppressed', { emailId: accepted.id, client, meta })
        .catch((err: Error) =>
          this.logger.warn({
            msg: 'webhook event not written',
            emailId: accepted.id,
            error: err.message,
          }),
        );
    }
    if (waitMs <= 0) return this.logged(accepted);
    return this.logged((await this.queue.waitForOutcome(accepted.id, waitMs)) ?? accepted);
  }

  /** Within the client's CLIENT_QUOTAS budget, when it has one (QuotaService.counted). */
  private counted(
    client: string,
    onQuota: SendOptions['onQuota'],
    enqueue: () => Promise<EmailView>,
  ) {
    return this.quotas?.limits(client) ? this.quotas.counted(client, enqueue, onQuota) : enqueue();
  }

  /**
   * The answer given, at debug: at info an email logs one line, its outcome (Deliverer).
   * The request id comes from the request's log context. Recipients never.
   */
  private logged(view: EmailView): EmailView {
    this.logger.debug({
      msg: 'email submitted',
      emailId: view.id,
      client: view.client,
      status: view.status,
      attempts: view.attempts,
    });
    return view;
  }

  /**
   * What travels with the email to its outcome (Deliverer's log line, EmailMetrics): a new
   * label is one more entry here and its use in src/mail/metrics/email-metrics.ts.
   */
  private metaFor(message: EmailMessage, options: SendOptions): EmailMeta {
    return {
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      // Bounded by the files in TEMPLATES_DIR; not a label today (docs/extending.md, §3).
      ...(message.template === undefined ? {} : { template: message.template }),
      ...tagsMeta(message),
    };
  }

  /**
   * Re-drives a failed email with a fresh attempt budget. With `client`, another client's
   * email is "not found" (not "forbidden": its existence is not disclosed either).
   */
  async retry(id: string, client?: string): Promise<RetryResult> {
    if (client !== undefined && (await this.find(id, client)) === undefined) {
      return { kind: 'not-found' };
    }
    return this.queue.retry(id);
  }

  private async claim(
    scoped: string,
    record: IdempotencyRecord,
  ): Promise<IdempotencyRecord | undefined> {
    try {
      return await this.idempotency.claim(scoped, record);
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      throw new QueueUnavailableError('idempotency store is unreachable; nothing was queued', 5);
    }
  }

  /** A repeated key: the original email's state, or 422 when the body differs. */
  private async replay(
    held: IdempotencyRecord,
    mine: IdempotencyRecord,
    waitMs: number,
  ): Promise<EmailView> {
    if (held.fingerprint !== mine.fingerprint) {
      throw new ApiError(
        422,
        'idempotency_mismatch',
        'Idempotency-Key was already used with a different request body',
      );
    }
    // A concurrent first request may not have stored its email yet: wait for it to be
    // stored (woken by the queue), then for its outcome as a first request would.
    const view = await this.queue.waitForOutcome(held.id, Math.max(waitMs, CLAIM_SETTLE_MS), {
      untilStored: true,
      storedOnly: waitMs <= 0,
    });
    if (view) return view;
    throw new ApiError(
      409,
      'idempotency_expired',
      'Idempotency-Key was used before, but its email is not stored (its first request failed, or the email is past retention); it was not sent again',
    );
  }

  /**
   * The email's current state, or undefined when unknown, past retention, or (with
   * `client`) sent by another client.
   */
  async find(id: string, client?: string): Promise<EmailView | undefined> {
    const view = await this.queue.find(id);
    if (view === undefined || (client !== undefined && view.client !== client)) return undefined;
    return this.outcomes ? this.outcomes.annotate(view) : view;
  }

  private normalise(message: EmailMessage): OutgoingEmail {
    if (message.raw !== undefined)
      return rawOutgoing({ ...message, raw: message.raw }, this.config.mailFrom);
    // Rendered here, synchronously, so a bad template is the caller's 422 and never a queued failure.
    const rendered =
      message.template === undefined
        ? undefined
        : this.templates.render(message.template, message.context);
    const email: OutgoingEmail = {
      from: message.from ?? this.config.mailFrom,
      to: asList(message.to) ?? [],
      cc: asList(message.cc),
      bcc: asList(message.bcc),
      replyTo: message.replyTo,
      subject: message.subject,
      text: message.text,
      html: rendered?.html ?? message.html,
      attachments: message.attachments?.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content,
        encoding: 'base64' as const,
      })),
      headers: canonicalHeaders(message.headers),
    };
    // The same text/html strings: the octets the body parser kept go along (issue 20).
    carryOctets(message, email);
    return email;
  }
}
