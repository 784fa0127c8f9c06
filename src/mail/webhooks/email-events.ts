import type { WebhookEventType } from '../../config/feedback.config';
import type { DeliveryErrorInfo } from '../delivery/delivery-error';
import type { EmailMeta, SettledEmail } from '../delivery/settled-email';
import type { WebhookEmailData } from './webhook-publisher';

/** An email that went (back) to waiting after a temporary failure, or for a relay to return. */
export interface DeferredEmail {
  id: string;
  client: string;
  meta: EmailMeta;
  /** Attempts made so far (0: held for a relay, never tried). */
  attempts: number;
  /** Absent: held while every relay is down, nothing tried yet. */
  lastError?: DeliveryErrorInfo;
  /** Epoch ms of the next attempt; absent while held for a relay (it starts when one answers). */
  nextAttemptAt?: number;
  acceptedAt?: number;
}

const iso = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();

/** Only what a receiver may see: never `retryable` (ours) and never a host (relay is a label). */
function errorOf(error: DeliveryErrorInfo | undefined): WebhookEmailData['error'] {
  return error && { code: error.code, smtpCode: error.smtpCode, message: error.message };
}

/**
 * The event an outcome becomes: a failure retries could not fix (lifetime or attempts spent)
 * is `email.expired`, a permanent one `email.failed`.
 */
export function settledEvent(
  outcome: SettledEmail,
  refused: Array<{ address: string; reason: string }> | undefined,
  relay: string | undefined,
): [WebhookEventType, WebhookEmailData] {
  const type =
    outcome.status === 'sent'
      ? 'email.sent'
      : outcome.error?.retryable || outcome.error?.code === 'expired'
        ? 'email.expired'
        : 'email.failed';
  const settledAt = Date.now();
  return [
    type,
    {
      emailId: outcome.id,
      client: outcome.client,
      meta: outcome.meta,
      attempts: outcome.attempts,
      refused,
      error: errorOf(outcome.error),
      idKey: outcome.eventKey && `${type.slice('email.'.length)}.${outcome.eventKey}`,
      extra: {
        relay: relay ?? outcome.error?.relay,
        acceptedAt: iso(settledAt - outcome.durationSeconds * 1000),
        settledAt: iso(settledAt),
      },
    },
  ];
}

/**
 * `email.deferred`: once per email (its first deferral, from attempt or relay hold), with a
 * webhook-id derived from the email id, so a repeat after a restart or from another replica
 * is the same message to a receiver that dedupes (README, "Webhooks").
 */
export function deferredEvent(email: DeferredEmail, error: DeliveryErrorInfo): WebhookEmailData {
  return {
    emailId: email.id,
    client: email.client,
    meta: email.meta,
    attempts: email.attempts,
    error: errorOf(error),
    idKey: 'deferred',
    extra: {
      relay: error.relay,
      acceptedAt: iso(email.acceptedAt),
      deferredAt: iso(Date.now()),
      nextAttemptAt: iso(email.nextAttemptAt),
    },
  };
}
