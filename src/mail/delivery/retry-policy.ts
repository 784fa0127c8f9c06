import type { DeliveryErrorInfo } from './delivery-error';

export interface RetrySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * min(max, base·2^(n-1)). The random half spreads retries of a burst that failed together;
 * the fixed half keeps a retry from following its failure immediately.
 */
export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

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
}
