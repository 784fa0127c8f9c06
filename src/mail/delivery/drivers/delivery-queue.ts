import type { OutgoingEmail } from '../../transport/mail-transport';
import type { EmailView } from '../email-view';
import type { WaitOptions } from '../outcome-signals';
import type { EmailMeta } from '../settled-email';

export interface EnqueueRequest {
  email: OutgoingEmail;
  client: string;
  /** performance.now() when the email's clock started (request arrival). */
  startedAt: number;
  /** Opaque to the driver: stored with the email and handed back in SettledEmail.meta. */
  meta: EmailMeta;
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
  /** The remaining emails are stored durably (spool, Redis) and delivered later, not lost. */
  kept?: boolean;
}

/** Unfinished emails by state (email_queue_emails, email_queue_oldest_age_seconds). */
export type Backlog = Record<
  'queued' | 'deferred' | 'sending',
  {
    count: number;
    /** Epoch ms of the oldest email's acceptance, when any. */ oldestAcceptedAt?: number;
  }
>;

/** What a backlog page walks: unfinished emails oldest first, or dead letters newest first. */
export type BrowseGroup = 'unfinished' | 'failed';

/** One email of a page, with where the next page starts when it is the last one read. */
export interface BrowsedEmail {
  view: EmailView;
  /** Driver-defined; stable under new inserts (they sort after every cursor already issued). */
  position: string;
}

/** A position no page of this driver issued (a tampered or foreign cursor). */
export class InvalidPositionError extends Error {}

/** Jobs by state, for drivers that can tell (email_queue_jobs). */
export type QueueStateCounts = Partial<Record<'waiting' | 'active' | 'delayed' | 'failed', number>>;

/**
 * Where accepted emails wait for delivery; one implementation per folder beside this file,
 * chosen by QUEUE_DRIVER in queue-driver.factory.ts. A driver owns its emails' state, so
 * GET /emails/:id reads from the same place the workers write to. Drivers run each attempt
 * through the Deliverer and report each final outcome once through `Deliverer.settled`.
 * Errors: QueueFullError, DrainingError, QueueUnavailableError (all 503 + Retry-After).
 */
export interface DeliveryQueue {
  /** Stores the email for delivery; rejects with QueueFullError or DrainingError. */
  enqueue(request: EnqueueRequest): Promise<EmailView>;
  /**
   * The email's view once settled, or its current view after `timeoutMs` (see WaitOptions
   * for waiting on an email a concurrent request is still storing). No polling: drivers wake
   * waiters through OutcomeSignals.
   */
  waitForOutcome(
    id: string,
    timeoutMs: number,
    options?: Pick<WaitOptions, 'untilStored' | 'storedOnly'>,
  ): Promise<EmailView | undefined>;
  find(id: string): Promise<EmailView | undefined>;
  /** Emails accepted and not yet finally resolved (email_queue_size, read at scrape time). */
  size(): Promise<number>;
  /**
   * Emails redelivered since start because an attempt was cut off mid-send by a crash
   * (email_possible_duplicates_total), when the driver can tell; omit otherwise.
   */
  possibleDuplicates?(): number;
  /** Unfinished emails by state; their counts add up to size(). Omit when it cannot tell. */
  backlog?(): Promise<Backlog>;
  /** Jobs by state, when the driver can tell (email_queue_jobs); omit otherwise. */
  states?(): Promise<QueueStateCounts>;
  /**
   * Replicas the store's master lacks against the copies asked for before acknowledging
   * (redis: REDIS_WAIT_REPLICAS), as last seen (email_queue_replicas_missing); omit otherwise.
   */
  replicasMissing?(): number;
  /** False while draining or when the backing store is unreachable. */
  isAccepting(): boolean;
  /** Emails that failed for good (dead letters), newest first, at most `limit`. */
  /** Newest first; only `client`'s emails when given. */
  listFailed(limit: number, client?: string): Promise<EmailView[]>;
  /**
   * Up to `limit` emails of `group` after `after` (a BrowsedEmail.position), unfiltered;
   * fewer than `limit` means the walk is over. Every-client scope: callers filter.
   */
  browse?(group: BrowseGroup, after: string | undefined, limit: number): Promise<BrowsedEmail[]>;
  /** Puts a failed email back in the queue with a fresh attempt budget. */
  retry(id: string): Promise<RetryResult>;
  /** Stops accepting, then waits up to `timeoutMs` for every accepted email to resolve. */
  drain(timeoutMs: number): Promise<DrainReport>;
}
