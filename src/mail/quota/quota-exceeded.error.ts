import { ApiError } from '../../core/error-body';
import type { QuotaState } from './quota.service';

/** 429 quota_exceeded; the global filter sets `headers` (Retry-After, RateLimit-*). */
export class QuotaExceededError extends ApiError {
  readonly headers: Record<string, string>;

  constructor(client: string, windows: string, retryAfterSeconds: number, state: QuotaState) {
    super(
      429,
      'quota_exceeded',
      `client ${client} has sent its quota of emails for this ${windows} (CLIENT_QUOTAS); nothing was queued, retry after ${retryAfterSeconds} s`,
    );
    this.headers = { 'retry-after': String(retryAfterSeconds), ...quotaHeaders(state) };
  }
}

/** RateLimit-Limit/-Remaining/-Reset (the tightest window) and RateLimit-Policy (all). */
export function quotaHeaders(state: QuotaState): Record<string, string> {
  return {
    'ratelimit-limit': String(state.limit),
    'ratelimit-remaining': String(state.remaining),
    'ratelimit-reset': String(state.resetSeconds),
    'ratelimit-policy': state.policy,
  };
}

/**
 * Sets the RateLimit-* headers on a reply from every email a request counted, keeping the
 * lowest `remaining` (a batch's emails are counted concurrently, in any order).
 */
export function quotaHeaderSetter(reply: {
  headers(values: Record<string, string>): unknown;
}): (state: QuotaState) => void {
  let lowest: QuotaState | undefined;
  return (state) => {
    if (lowest !== undefined && state.remaining >= lowest.remaining) return;
    lowest = state;
    reply.headers(quotaHeaders(state));
  };
}
