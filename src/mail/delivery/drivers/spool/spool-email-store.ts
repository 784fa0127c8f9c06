import { Logger } from '@nestjs/common';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { EmailView } from '../../email-view';
import type { BrowsedEmail } from '../delivery-queue';
import { parsePosition, positionOf } from '../page-position';
import {
  type EmailStore,
  type LocalEntry,
  type RecoveryReport,
  type Settlement,
} from '../local/email-store';
import { GroupCommit } from './group-commit';
import { WalSync } from './wal-sync';
import { SpoolUnavailableError } from './spool-errors';
import { SpoolWriteHealth } from './spool-write-health';
import { SpoolIdempotencyStore } from './spool-idempotency-store';
import { recoverUnfinished } from './spool-recovery';
import { emailOf, payloadOf } from './spool-payload';
import { entryFromRow, outcomeJson, rowView } from './spool-row';
import { SpoolStore, type SpoolSynchronous } from './spool-store';

export interface SpoolStoreSettings {
  path: string;
  synchronous: SpoolSynchronous;
  idempotencyTtlMs: number;
  retentionMs: number;
  retentionMax: number;
}

/**
 * The spool driver's EmailStore: every write goes through group commit, so a change counts
 * only once it is on disk, and many writes share one transaction (one fsync). An email and
 * its idempotency key are written in the same transaction.
 */
export class SpoolEmailStore implements EmailStore {
  readonly durable = true;
  readonly name = 'spool';
  private readonly logger = new Logger('SpoolDeliveryQueue');
  readonly store: SpoolStore;
  readonly commits: GroupCommit;
  private readonly wal?: WalSync;
  readonly idempotency: SpoolIdempotencyStore;
  /** Readiness: false after a refused write until a probe write of an email's size succeeds. */
  readonly writes: SpoolWriteHealth;

  /** Opens and locks the spool: throws SpoolOpenError, so a bad spool stops start-up. */
  constructor(private readonly settings: SpoolStoreSettings) {
    // `full` on a file: the log's fsync runs on the thread pool, not inside COMMIT.
    const syncOffThread = settings.synchronous === 'full' && settings.path !== ':memory:';
    this.store = SpoolStore.open({ ...settings, syncOffThread });
    this.wal = syncOffThread ? new WalSync(this.store.walPath) : undefined;
    this.commits = new GroupCommit(this.store, this.wal);
    this.idempotency = new SpoolIdempotencyStore(this.store, settings.idempotencyTtlMs);
    this.writes = new SpoolWriteHealth(this.store, this.commits);
  }

  get isOpen(): boolean {
    return this.store.isOpen;
  }

  recover(): { entries: LocalEntry[]; report: RecoveryReport } {
    return recoverUnfinished(this.store, this.logger);
  }

  async insert(entry: LocalEntry, email: OutgoingEmail, startsNow = false): Promise<void> {
    const claim = this.idempotency.reservationFor(entry.id);
    const { json: payload, octets } = payloadOf(email);
    try {
      await this.commits.run(() => {
        this.store.insert({
          id: entry.id,
          client: entry.client,
          payload,
          octets,
          metadata: JSON.stringify(entry.meta),
          acceptedAt: entry.acceptedAt,
          now: entry.createdAt,
          sendingAttempt: startsNow ? entry.attempts + 1 : undefined,
        });
        // The key and its email commit together: a key on disk always has its email.
        if (claim) this.store.putKey(claim.key, claim.record, claim.expiresAt);
      });
    } catch (err) {
      this.writes.failed();
      this.logger.error(`spool write failed; email refused with 503: ${String(err)}`);
      throw new SpoolUnavailableError();
    }
    this.writes.succeeded();
    if (claim) this.idempotency.forget(entry.id);
  }

  markSending(entry: LocalEntry, attempt: number, now: number): Promise<void> {
    return this.commits.run(() => this.store.markSending(entry.id, attempt, now));
  }

  markDeferred(entry: LocalEntry): Promise<void> {
    const json = outcomeJson(undefined, entry.lastError);
    return this.commits.run(() =>
      this.store.markRetry(entry.id, entry.attempts, entry.nextAttemptAt!, json, entry.updatedAt),
    );
  }

  markSettled(entry: LocalEntry, outcome: Settlement): Promise<void> {
    const json = outcomeJson(outcome.messageId, outcome.error);
    // Nobody waits on a `sent` row (it is reported at the relay's 250): the long window.
    return this.commits.run(
      () => this.store.markSettled(entry.id, outcome.status, outcome.attempts, json, outcome.now),
      outcome.status === 'failed',
    );
  }

  payload(id: string): OutgoingEmail | undefined {
    try {
      const stored = this.store.payload(id);
      return stored === undefined ? undefined : emailOf(stored);
    } catch {
      return undefined;
    }
  }

  get(id: string): EmailView | undefined {
    const row = this.store.get(id, this.visibleAfter());
    return row && rowView(row);
  }

  listFailed(limit: number, client?: string): EmailView[] {
    return this.store.listFailed(limit, this.visibleAfter(), client).map(rowView);
  }

  failedPage(after: string | undefined, limit: number): BrowsedEmail[] {
    const before = after === undefined ? undefined : parsePosition(after);
    return this.store.failedPage(limit, this.visibleAfter(), before).map((row) => ({
      view: rowView(row),
      position: positionOf(row.settled_at!, row.id),
    }));
  }

  async requeue(id: string, now: number): Promise<LocalEntry | undefined> {
    let requeued = false;
    try {
      await this.commits.run(() => (requeued = this.store.requeue(id, now, now)));
    } catch {
      throw new SpoolUnavailableError();
    }
    if (!requeued) return undefined;
    return { ...entryFromRow(this.store.get(id, 0)!), acceptedAt: now };
  }

  purge(now: number): void {
    this.store.purge(now - this.settings.retentionMs, this.settings.retentionMax, now);
  }

  close(): void {
    if (!this.store.isOpen) return;
    try {
      this.commits.flushAndSync();
    } finally {
      this.store.close();
      this.wal?.close();
    }
    const { commits, writes } = this.commits.stats;
    this.logger.log(`spool closed: ${writes} writes in ${commits} commits since start`);
  }

  private visibleAfter(): number {
    return Date.now() - this.settings.retentionMs;
  }
}
