import { ServiceUnavailableError } from '../../../core/service-unavailable.error';

/** 503 with Retry-After: the queue cannot take the email now; nothing was stored. */
export class QueueUnavailableError extends ServiceUnavailableError {}

export class QueueFullError extends QueueUnavailableError {
  constructor(capacity: number, retryAfterSeconds = 5) {
    super(
      `delivery queue is full (${capacity} emails waiting); nothing was queued, retry later`,
      retryAfterSeconds,
    );
  }
}

export class DrainingError extends QueueUnavailableError {
  constructor(retryAfterSeconds = 10) {
    super(
      'service is shutting down; nothing was queued, retry on another instance',
      retryAfterSeconds,
    );
  }
}
