import { performance } from 'node:perf_hooks';
import type { SpoolStore } from './spool-store';
import type { WalSync } from './wal-sync';

interface Pending {
  apply: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Largest batch per transaction, so one commit never holds the event loop for long. */
const MAX_BATCH = 2048;
/**
 * At most one commit per this window while busy, for writes nobody waits on (`sent`): under
 * load the requests and SMTP replies of one event-loop turn are few, and BEGIN/COMMIT (with
 * its fsync) per turn cost more CPU than the writes themselves.
 */
const COMMIT_WINDOW_MS = 5;
/**
 * The window for a write a caller waits on (an acceptance, before its 200/202): short, as it
 * is the request's one commit; every write pending by then rides along (issue 20).
 */
const URGENT_WINDOW_MS = 1;
/**
 * With many emails in the loop, the urgent window stretches up to this: each commit (BEGIN/
 * COMMIT, the hand-off of its fsync, the fsync's system time) is then shared by more writes,
 * and a caller among dozens waiting on SMTP barely notices 2 ms more. With few (a closed loop
 * of 8), the wait would cost req/s instead of saving CPU (docs/spool.md, "Commit window").
 */
const URGENT_WINDOW_MAX_MS = 3;
/** Unfinished emails per extra millisecond of the urgent window. */
const EMAILS_PER_MS = 16;

/**
 * Group commit: writes submitted during one event-loop turn — or, while busy, during a
 * few milliseconds — share one transaction and one fsync (SQLite's under synchronous=FULL,
 * or the WalSync's). Each caller's promise settles only after the commit (and fsync) that
 * holds its write — success means on disk, a failed commit means nothing of the batch is.
 */
export class GroupCommit {
  private batch: Pending[] = [];
  private timer?: NodeJS.Timeout | NodeJS.Immediate;
  private dueAt = Infinity;
  private lastCommitAt = 0;
  /** Committed, waiting for the log's fsync (only with a WalSync). */
  private unsynced: Pending[] = [];
  /** Commits and writes since start, for the benchmark and logs. */
  readonly stats = { commits: 0, writes: 0 };

  /**
   * `wal`: commits are made durable by its fsync, off the event loop, before callers resolve.
   * `load`: how many emails the delivery loop holds unfinished; it stretches the urgent window.
   */
  constructor(
    private readonly store: SpoolStore,
    private readonly wal?: WalSync,
    public load: () => number = () => 0,
  ) {}

  /** The urgent window at the current load: 1 ms up to 16 unfinished emails, 3 ms from 48. */
  urgentWindowMs(): number {
    const stretched = URGENT_WINDOW_MS + Math.max(0, this.load() - EMAILS_PER_MS) / EMAILS_PER_MS;
    return Math.min(URGENT_WINDOW_MAX_MS, stretched);
  }

  /** `urgent`: a caller waits on this write (the short window); else the long one. */
  run(apply: () => void, urgent = true): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ apply, resolve, reject });
      const due = this.lastCommitAt + (urgent ? this.urgentWindowMs() : COMMIT_WINDOW_MS);
      if (due >= this.dueAt) return;
      this.cancel();
      this.dueAt = due;
      const wait = due - performance.now();
      this.timer =
        wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
    });
  }

  /** Commits everything submitted so far (also called on close). */
  flush(): void {
    this.cancel();
    this.lastCommitAt = performance.now();
    while (this.batch.length > 0) {
      const batch = this.batch.splice(0, MAX_BATCH);
      try {
        this.store.transaction(() => batch.forEach((write) => write.apply()));
      } catch (err) {
        batch.forEach((write) => write.reject(err));
        continue;
      }
      this.stats.commits++;
      this.stats.writes += batch.length;
      if (this.wal) this.unsynced.push(...batch);
      else batch.forEach((write) => write.resolve());
    }
    this.startSync();
  }

  /** At close: commits what is pending and waits for the log's fsync, blocking. */
  flushAndSync(): void {
    this.flush();
    if (!this.wal) return;
    const batch = this.unsynced;
    this.unsynced = [];
    try {
      this.wal.syncNow();
      batch.forEach((write) => write.resolve());
    } catch (err) {
      batch.forEach((write) => write.reject(err));
    }
  }

  /**
   * Each commit's fsync starts at once, even with an earlier one still in flight: waiting
   * for it would add a whole fsync to the request's latency (measured at 8 connections). A
   * failed fsync fails its callers: their rows are committed but not known to be on disk
   * (the next start delivers them from the spool).
   */
  private startSync(): void {
    if (!this.wal || this.unsynced.length === 0) return;
    const batch = this.unsynced;
    this.unsynced = [];
    this.wal.sync().then(
      () => batch.forEach((write) => write.resolve()),
      (err: unknown) => batch.forEach((write) => write.reject(err)),
    );
  }

  private cancel(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    this.dueAt = Infinity;
  }
}
