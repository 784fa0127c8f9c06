import type { DeliveryErrorInfo } from './delivery-error';

export interface RetrySettings {
  /** Guard against accept-then-drop loops (MAX_ATTEMPTS); the lifetime is the real limit. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** DELIVERY_LIFETIME: temporary failures are retried until this long after acceptance. */
  deliveryLifetimeMs: number;
}

/** What follows a failed attempt. */
export type RetryDecision =
  { kind: 'retry'; delayMs: number } | { kind: 'fail'; error: DeliveryErrorInfo };

/**
 * Temporary failures (connection, timeout, 4xx) are retried with exponential backoff and
 * "equal jitter" — the n-th retry waits between half and all of min(max, base·2^(n-1)) —
 * until DELIVERY_LIFETIME after acceptance; the last retry is timed to the end of the
 * lifetime, so an email never expires early. Then it fails as `expired`, quoting the last
 * error. Permanent failures (5xx) fail at once. The random half spreads retries of a burst
 * that failed together; the fixed half keeps a retry from following its failure at once.
 */
export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** `acceptedAt` and `now` are epoch ms; without `acceptedAt` only the attempt guard applies. */
  decide(
    error: DeliveryErrorInfo,
    attemptsMade: number,
    acceptedAt?: number,
    now = Date.now(),
  ): RetryDecision {
    if (!this.shouldRetry(error, attemptsMade)) return { kind: 'fail', error };
    const delayMs = this.delayMs(attemptsMade);
    if (acceptedAt === undefined) return { kind: 'retry', delayMs };
    const left = acceptedAt + this.settings.deliveryLifetimeMs - now;
    if (left <= 0) return { kind: 'fail', error: this.expired(error) };
    return { kind: 'retry', delayMs: Math.min(delayMs, left) };
  }

  /** Whether an email that failed with `error` after `attemptsMade` attempts gets another. */
  shouldRetry(error: DeliveryErrorInfo, attemptsMade: number): boolean {
    return error.retryable && attemptsMade < this.settings.maxAttempts;
  }

  /** Delay before attempt `attemptsMade + 1`. */
  delayMs(attemptsMade: number): number {
    const exponent = Math.min(Math.max(attemptsMade - 1, 0), 30);
    const cap = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** exponent);
    return Math.round(cap / 2 + this.random() * (cap / 2));
  }

  /** The `expired` failure when the lifetime from `acceptedAt` is spent by `now`, else undefined. */
  expiry(
    acceptedAt: number,
    last: DeliveryErrorInfo,
    now = Date.now(),
  ): DeliveryErrorInfo | undefined {
    return now >= acceptedAt + this.settings.deliveryLifetimeMs ? this.expired(last) : undefined;
  }

  /** Milliseconds of the lifetime from `acceptedAt` still left at `now` (0 when spent). */
  lifetimeLeft(acceptedAt: number, now = Date.now()): number {
    return Math.max(0, acceptedAt + this.settings.deliveryLifetimeMs - now);
  }

  private expired(last: DeliveryErrorInfo): DeliveryErrorInfo {
    const seconds = Math.round(this.settings.deliveryLifetimeMs / 1000);
    return {
      code: 'expired',
      smtpCode: last.smtpCode,
      message: `not delivered within DELIVERY_LIFETIME (${seconds} s); last error (${last.code}): ${last.message}`,
      // A re-drive (POST /emails/{id}/retry) starts a fresh lifetime.
      retryable: true,
    };
  }
}
