import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { DeliveryErrorInfo } from '../../delivery-error';
import type { BrowsedEmail } from '../delivery-queue';
import { shownStatus, type EmailStatus, type EmailView } from '../../email-view';
import type { EmailMeta, SettledEmail } from '../../settled-email';

/**
 * An unfinished email as the local delivery loop tracks it in memory. The payload stays in
 * the store (on disk for the spool), read once per attempt.
 */
export interface LocalEntry {
  id: string;
  client: string;
  status: Extract<EmailStatus, 'queued' | 'sending'>;
  attempts: number;
  /** Epoch ms of the request's arrival (or of the re-drive): durations span restarts. */
  acceptedAt: number;
  /** Opaque to the driver (EmailMeta): stored as given, handed back when the email settles. */
  meta: EmailMeta;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt?: number;
  lastError?: DeliveryErrorInfo;
  retryTimer?: NodeJS.Timeout;
}

/** An email's final state, as the loop hands it to the store. */
export interface Settlement {
  status: 'sent' | 'failed';
  attempts: number;
  messageId?: string;
  error?: DeliveryErrorInfo;
  now: number;
}

/**
 * The outcome the loop reports for an entry. Its event key is the acceptance time: an email
 * re-sent after a crash between the relay's 250 and its `sent` commit (a possible duplicate,
 * docs/spool.md) reports the same key, so the same webhook-id; a re-drive starts a new one.
 */
export function settledEmail(
  entry: LocalEntry,
  status: Settlement['status'],
  attempts: number,
): SettledEmail {
  const { id, client, acceptedAt, lastError: error, meta } = entry;
  const durationSeconds = (Date.now() - acceptedAt) / 1000;
  return {
    id,
    client,
    status,
    durationSeconds,
    error,
    attempts,
    meta,
    eventKey: String(acceptedAt),
  };
}

/** What start-up found in the store. */
export interface RecoveryReport {
  recovered: number;
  /** Were being sent when the previous process stopped: delivered again, may arrive twice. */
  possibleDuplicates: number;
}

/**
 * Where the local delivery loop (LocalDeliveryQueue) keeps its emails: one implementation
 * per backing store (SQLite spool, process memory). The loop owns ordering, concurrency,
 * retry timers, waiting and drain; a store only records state changes and answers reads.
 *
 * Writes return promises that settle once the change is stored (durable stores commit in
 * groups); a rejected write means nothing of it is stored. Reads are synchronous: every
 * local store answers from the process (memory, or an in-process SQLite file).
 */
export interface EmailStore {
  /** Whether unfinished emails survive a restart (spool) or are lost with the process (memory). */
  readonly durable: boolean;
  /** False once closed: later writes are not retried. */
  readonly isOpen: boolean;
  /** Named in log lines: `spool`, `memory`. */
  readonly name: string;
  /**
   * Unfinished emails the previous owner left, in acceptance order; those that were being
   * sent go back to `queued` and are counted as possible duplicates.
   */
  recover(): { entries: LocalEntry[]; report: RecoveryReport };
  /**
   * Stores a new email (with the idempotency key reserved for its id, in the same write);
   * rejects with a QueueUnavailableError when it cannot, and then stores nothing.
   * `startsNow`: a delivery slot is reserved for it, so it is stored as `sending` (attempt 1)
   * in the same write — the accept commit is the only one the caller waits for.
   */
  insert(entry: LocalEntry, email: OutgoingEmail, startsNow?: boolean): Promise<void>;
  /** Attempt number `attempt` is about to start: recorded before the transport is called. */
  markSending(entry: LocalEntry, attempt: number, now: number): Promise<void>;
  /** The email waits for `entry.nextAttemptAt` after a temporary failure (`entry.lastError`). */
  markDeferred(entry: LocalEntry): Promise<void>;
  /**
   * The final outcome; the payload may be dropped once sent (kept while failed, for re-drive).
   * A `sent` outcome is reported before this write commits (docs/spool.md, "Duplicates").
   */
  markSettled(entry: LocalEntry, settlement: Settlement): Promise<void>;
  /** The email to send; undefined when it cannot be read (then it fails as `message`). */
  payload(id: string): OutgoingEmail | undefined;
  /** A stored email's view, unless past retention. */
  get(id: string): EmailView | undefined;
  /** Failed emails within retention, newest first; only `client`'s when given. */
  listFailed(limit: number, client?: string): EmailView[];
  /** Failed emails newest first by (settle time, id), after `after` (positionOf). */
  failedPage(after: string | undefined, limit: number): BrowsedEmail[];
  /**
   * A failed email back to `queued` with a fresh budget and acceptance time `now`; undefined
   * when it is not a dead letter with its payload (unknown, not failed, or re-driven already).
   */
  requeue(id: string, now: number): Promise<LocalEntry | undefined>;
  /** Forgets settled emails past retention (EMAIL_RETENTION_SECONDS / EMAIL_RETENTION_MAX). */
  purge(now: number): void;
  /** Flushes pending writes and releases the store. */
  close(): void;
}

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** An unfinished email's state as GET /emails/:id shows it. */
export function entryView(entry: LocalEntry): EmailView {
  return {
    id: entry.id,
    status: shownStatus(entry.status, entry.lastError),
    client: entry.client,
    attempts: entry.attempts,
    lastError: entry.lastError,
    createdAt: new Date(entry.createdAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
    nextAttemptAt: iso(entry.nextAttemptAt),
    meta: entry.meta,
  };
}
