import { performance } from 'node:perf_hooks';
import type { SpoolStore } from './spool-store';

interface Pending {
  apply: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Largest batch per transaction, so one commit never holds the event loop for long. */
const MAX_BATCH = 2048;
/**
 * At most one commit per this window while busy: under load the requests and SMTP replies
 * of one event-loop turn are few, and BEGIN/COMMIT (with its fsync) per turn cost more CPU
 * than the writes themselves. An idle spool commits on the next turn, without waiting.
 */
const COMMIT_WINDOW_MS = 5;

/**
 * Group commit: writes submitted during one event-loop turn — or, while busy, during a
 * couple of milliseconds — share one transaction (and so one fsync under synchronous=FULL). Each caller's promise settles only after the commit
 * that holds its write — success means on disk, failure means nothing of the batch is.
 */
export class GroupCommit {
  private batch: Pending[] = [];
  private scheduled = false;
  private lastCommitAt = 0;
  /** Commits and writes since start, for the benchmark and logs. */
  readonly stats = { commits: 0, writes: 0 };

  constructor(private readonly store: SpoolStore) {}

  run(apply: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ apply, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        const wait = this.lastCommitAt + COMMIT_WINDOW_MS - performance.now();
        if (wait > 0) setTimeout(() => this.flush(), wait);
        else setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything submitted so far (also called on close). */
  flush(): void {
    this.scheduled = false;
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
      batch.forEach((write) => write.resolve());
    }
  }
}
