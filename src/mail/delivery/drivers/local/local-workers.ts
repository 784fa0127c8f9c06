import type { Logger } from '@nestjs/common';
import type { AttemptOutcome, Deliverer } from '../../deliverer';
import type { EmailStore, LocalEntry } from './email-store';

/** Pause before retrying a store write that failed (disk full, I/O error). */
const WRITE_RETRY_MS = 1_000;
/** At most one log line per this period about failing store writes. */
const WRITE_ERROR_LOG_MS = 10_000;

const unreadable: AttemptOutcome = {
  kind: 'failed',
  error: {
    code: 'message',
    smtpCode: null,
    message: 'the email could not be read from the queue store',
    retryable: false,
  },
};

/**
 * The local delivery loop: FIFO, at most `concurrency` sends, retries on timers. Every
 * state change is stored before it counts: `sending` (with the attempt number) before the
 * transport is called, and the final outcome before metrics and waiters learn it — so with
 * a durable store a crash at any point leaves a row the next start redelivers or already
 * counted.
 */
export class LocalWorkers {
  private ready: LocalEntry[] = [];
  private readyHead = 0;
  private active = 0;
  private stopped = false;
  private readonly waiting = new Set<LocalEntry>();
  private readonly running = new Set<Promise<void>>();
  private lastWriteErrorLog = 0;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly store: EmailStore,
    private readonly concurrency: number,
    private readonly logger: Logger,
    private readonly onSettled: (entry: LocalEntry) => void,
  ) {}

  /** Delivers the entry now, or at its next-attempt time. */
  schedule(entry: LocalEntry): void {
    const delay = (entry.nextAttemptAt ?? 0) - Date.now();
    if (delay > 0) {
      this.later(entry, delay);
      return;
    }
    this.ready.push(entry);
    this.pump();
  }

  /** Stops starting sends; waits up to `graceMs` for those in flight to finish and be stored. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const entry of this.waiting) clearTimeout(entry.retryTimer);
    this.waiting.clear();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.running]), grace]);
    clearTimeout(timer);
    if (this.running.size > 0 && this.store.durable) {
      this.logger.warn(
        `${this.running.size} sends still in flight after ${graceMs} ms; they stay in the ${this.store.name} and are retried after the next start (possible duplicates)`,
      );
    }
  }

  private later(entry: LocalEntry, delayMs: number): void {
    if (this.stopped) return;
    this.waiting.add(entry);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      this.waiting.delete(entry);
      this.ready.push(entry);
      this.pump();
    }, delayMs);
  }

  private pump(): void {
    while (!this.stopped && this.active < this.concurrency && this.readyHead < this.ready.length) {
      const entry = this.ready[this.readyHead++];
      this.active++;
      const run = this.run(entry).finally(() => this.running.delete(run));
      this.running.add(run);
    }
    // Compact the FIFO now and then instead of shift()ing (O(n)) on every dequeue.
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private async run(entry: LocalEntry): Promise<void> {
    const attempt = entry.attempts + 1;
    const startedAt = Date.now();
    try {
      await this.store.markSending(entry, attempt, startedAt);
    } catch (err) {
      // Not stored, so not started: the attempt is tried again later, not counted.
      this.writeFailed(err);
      this.active--;
      this.later(entry, WRITE_RETRY_MS);
      return;
    }
    Object.assign(entry, {
      status: 'sending',
      attempts: attempt,
      nextAttemptAt: undefined,
      updatedAt: startedAt,
    });
    const email = this.store.payload(entry.id);
    const outcome = email ? await this.deliverer.attempt(email, entry.id, attempt) : unreadable;
    this.active--;
    entry.updatedAt = Date.now();
    if (outcome.kind === 'retry') {
      Object.assign(entry, {
        status: 'queued',
        lastError: outcome.error,
        nextAttemptAt: entry.updatedAt + outcome.delayMs,
      });
      // Not stored is safe: a durable row stays `sending` and is retried after a restart.
      await this.store.markDeferred(entry).catch((err: unknown) => this.writeFailed(err));
      this.schedule(entry);
    } else {
      const status = outcome.kind === 'sent' ? 'sent' : 'failed';
      const messageId = outcome.kind === 'sent' ? outcome.receipt.messageId : undefined;
      if (outcome.kind === 'failed') entry.lastError = outcome.error;
      const settlement = { status, attempts: attempt, messageId, now: entry.updatedAt } as const;
      if (
        await this.persist(() =>
          this.store.markSettled(entry, { ...settlement, error: entry.lastError }),
        )
      ) {
        this.deliverer.settled({
          id: entry.id,
          client: entry.client,
          status,
          durationSeconds: (Date.now() - entry.acceptedAt) / 1000,
          error: entry.lastError,
          attempts: attempt,
          meta: entry.meta,
        });
        this.onSettled(entry);
      }
    }
    this.pump();
  }

  /** Stores a final outcome, retrying while the store refuses; false once it closed. */
  private async persist(write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await write();
        return true;
      } catch (err) {
        if (!this.store.isOpen) return false;
        this.writeFailed(err);
        await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS).unref());
      }
    }
  }

  private writeFailed(err: unknown): void {
    if (!this.store.isOpen || Date.now() - this.lastWriteErrorLog < WRITE_ERROR_LOG_MS) return;
    this.lastWriteErrorLog = Date.now();
    this.logger.error(
      `${this.store.name} write failed, retrying every ${WRITE_RETRY_MS} ms: ${String(err)}`,
    );
  }
}
