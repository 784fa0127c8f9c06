import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { errorBody, type ErrorCode } from '../../core/error-body';
import type { OutgoingEmail } from '../transport/mail-transport';
import type { EmailView } from './email-view';

export interface EnqueueRequest {
  email: OutgoingEmail;
  client: string;
  /** performance.now() when the email's clock started (request arrival). */
  startedAt: number;
  /** The submitting request's id, for the email's outcome log line. */
  requestId?: string;
  /** The email's id when the caller reserved one (idempotent submission); else a new UUID. */
  id?: string;
}

/** What re-driving a dead letter found. */
export type RetryResult =
  | { kind: 'requeued'; view: EmailView }
  | { kind: 'not-found' }
  | { kind: 'not-failed'; view: EmailView };

export interface DrainReport {
  /** Emails still unresolved when the drain ended. */
  remaining: number;
  timedOut: boolean;
}

/**
 * Where accepted emails wait for delivery. Drivers: `memory` (one process) and `redis`
 * (BullMQ, shared by replicas). A driver owns its emails' state, so GET /emails/:id reads
 * from the same place the workers write to.
 */
export interface DeliveryQueue {
  /** Stores the email for delivery; rejects with QueueFullError or DrainingError. */
  enqueue(request: EnqueueRequest): Promise<EmailView>;
  /** The email's view once settled, or its current view after `timeoutMs`. */
  waitForOutcome(id: string, timeoutMs: number): Promise<EmailView | undefined>;
  find(id: string): Promise<EmailView | undefined>;
  /** Emails accepted and not yet finally resolved. */
  size(): Promise<number>;
  /** False while draining or when the backing store is unreachable. */
  isAccepting(): boolean;
  /** Emails that failed for good (dead letters), newest first, at most `limit`. */
  listFailed(limit: number): Promise<EmailView[]>;
  /** Puts a failed email back in the queue with a fresh attempt budget. */
  retry(id: string): Promise<RetryResult>;
  /** Stops accepting, then waits up to `timeoutMs` for every accepted email to resolve. */
  drain(timeoutMs: number): Promise<DrainReport>;
}

/** 503 with Retry-After: the caller should come back, nothing was stored. */
export class QueueUnavailableError extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code: ErrorCode = 'service_unavailable',
  ) {
    super(errorBody(HttpStatus.SERVICE_UNAVAILABLE, code, message));
  }
}

export class QueueFullError extends QueueUnavailableError {
  constructor(capacity: number, retryAfterSeconds = 5) {
    super(
      `delivery queue is full (${capacity} emails waiting); nothing was queued, retry later`,
      retryAfterSeconds,
      'queue_full',
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
