import type { Logger } from '@nestjs/common';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import { UNREADABLE, type AttemptOutcome, type Deliverer } from '../../deliverer';
import { settledEmail, type EmailStore, type LocalEntry } from './email-store';
import { StoreWrites, WRITE_RETRY_MS, type SettledNote } from './store-writes';

export type { SettledNote } from './store-writes';

/** How often mail held for a down relay is checked for a spent lifetime. */
const HELD_EXPIRY_CHECK_MS = 1_000;

/**
 * The local delivery loop: FIFO, at most `concurrency` sends, retries on timers. `sending` is
 * stored before the transport is called and `failed` before anyone learns it; `sent` is
 * reported while its commit is in flight (a crash then re-sends it, counted as a duplicate).
 */
export class LocalWorkers {
  private ready: LocalEntry[] = [];
  private readyHead = 0;
  private active = 0;
  private stopped = false;
  private readonly waiting = new Set<LocalEntry>();
  private readonly running = new Set<Promise<void>>();
  private readonly writes: StoreWrites;
  /** Shutting down a durable store: deferred emails wait for the next start. */
  private draining = false;
  /** No new attempt starts (durable drain after a temporary failure or with the relay down). */
  private halted = false;
  private unsubscribe?: () => void;
  private quietWaiters: Array<() => void> = [];

  constructor(
    private readonly deliverer: Deliverer,
    private readonly store: EmailStore,
    private readonly concurrency: number,
    private readonly logger: Logger,
    private readonly onSettled: (entry: LocalEntry, settled: SettledNote) => void,
  ) {
    this.writes = new StoreWrites(store, logger);
  }

  /**
   * A slot for an email accepted now, when it would start at once (free slot, nobody ahead,
   * a relay up): stored as `sending` in the accept commit, no `sending` commit of its own.
   */
  claim(): boolean {
    if (this.stopped || this.halted || this.draining) return false;
    if (this.active >= this.concurrency || this.readyHead < this.ready.length) return false;
    if (!this.deliverer.available()) return false;
    this.active++;
    return true;
  }

  /** The claimed email was not stored: its slot goes to the next one. */
  release(): void {
    this.active--;
    this.pump();
  }

  /** Starts a claimed email (`sending` row committed) with its payload as accepted, unread. */
  startClaimed(entry: LocalEntry, email: OutgoingEmail): void {
    const run = this.run(entry, email).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Now, or at its next-attempt time. */
  schedule(entry: LocalEntry): void {
    const delay = (entry.nextAttemptAt ?? 0) - Date.now();
    if (delay > 0) return this.later(entry, delay);
    this.ready.push(entry);
    if (this.unsubscribe) this.deliverer.deferred(entry); // held: every relay is down
    this.pump();
  }

  /**
   * Durable shutdown: deferred emails keep their attempts for the next start; queued ones go
   * out while the relay takes them, until a temporary failure or a relay known down. Resolves
   * when nothing more will start here.
   */
  drain(): Promise<void> {
    this.draining = true;
    for (const entry of this.waiting) clearTimeout(entry.retryTimer);
    this.waiting.clear();
    if (!this.deliverer.available()) this.halted = true;
    const quiet = new Promise<void>((resolve) => this.quietWaiters.push(resolve));
    this.checkQuiet();
    return quiet;
  }

  /** Stops starting sends; waits up to `graceMs` for those in flight to finish and be stored. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
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
    if (this.stopped || this.draining) return;
    this.waiting.add(entry);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      this.waiting.delete(entry);
      this.ready.push(entry);
      this.pump();
    }, delayMs);
  }

  private pump(): void {
    if (this.readyHead < this.ready.length && !this.deliverer.available()) {
      this.holdForRelay();
      return;
    }
    while (
      !this.stopped &&
      !this.halted &&
      this.active < this.concurrency &&
      this.readyHead < this.ready.length
    ) {
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
    this.checkQuiet();
  }

  /**
   * Every relay is known down: nothing starts, no attempt is spent, emails wait in order and
   * are released in acceptance order (at most DELIVERY_CONCURRENCY in flight) when one answers.
   */
  private holdForRelay(): void {
    if (this.draining) this.halted = true;
    if (this.unsubscribe || this.stopped) return;
    for (let i = this.readyHead; i < this.ready.length; i++) this.deliverer.deferred(this.ready[i]);
    // Held mail still expires at the end of its lifetime, without an attempt.
    const expiry = setInterval(() => this.expireHeld(), HELD_EXPIRY_CHECK_MS);
    expiry.unref();
    const unsubscribe = this.deliverer.onAvailable(() => {
      this.unsubscribe?.();
      this.pump();
    });
    this.unsubscribe = () => {
      clearInterval(expiry);
      unsubscribe();
      this.unsubscribe = undefined;
    };
  }

  private expireHeld(): void {
    const kept: LocalEntry[] = [];
    for (let i = this.readyHead; i < this.ready.length; i++) {
      const entry = this.ready[i];
      const error = this.deliverer.expiry(entry.acceptedAt, entry.lastError);
      if (error) void this.settle(entry, { kind: 'failed', error }, entry.attempts);
      else kept.push(entry);
    }
    this.ready = kept;
    this.readyHead = 0;
  }

  private checkQuiet(): void {
    if (!this.draining || this.active > 0 || this.quietWaiters.length === 0) return;
    if (!this.halted && this.readyHead < this.ready.length) return;
    const waiters = this.quietWaiters;
    this.quietWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async run(entry: LocalEntry, accepted?: OutgoingEmail): Promise<void> {
    const attempt = entry.attempts + 1;
    const startedAt = Date.now();
    try {
      // Before the transport, always: a crash after the relay took the message must leave a
      // `sending` row, which the next start counts as a possible duplicate.
      if (!accepted) await this.store.markSending(entry, attempt, startedAt);
    } catch (err) {
      // Not stored, so not started: the attempt is tried again later, not counted.
      this.writes.failed(err);
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
    const email = accepted ?? this.store.payload(entry.id);
    const outcome = email
      ? await this.deliverer.attempt(email, entry.id, attempt, entry.acceptedAt)
      : UNREADABLE;
    this.active--;
    entry.updatedAt = Date.now();
    if (outcome.kind === 'retry') {
      Object.assign(entry, {
        status: 'queued',
        lastError: outcome.error,
        nextAttemptAt: entry.updatedAt + outcome.delayMs,
      });
      // Not stored is safe: a durable row stays `sending` and is retried after a restart.
      await this.store.markDeferred(entry).then(
        () => this.deliverer.deferred(entry),
        (err: unknown) => this.writes.failed(err),
      );
      // Draining: a temporary failure means the relay is in trouble; keep the rest stored.
      if (this.draining) this.halted = true;
      else this.schedule(entry);
    } else {
      await this.settle(entry, outcome, attempt);
    }
    this.pump();
  }

  private async settle(
    entry: LocalEntry,
    outcome: Exclude<AttemptOutcome, { kind: 'retry' }>,
    attempt: number,
  ): Promise<void> {
    const status = outcome.kind === 'sent' ? 'sent' : 'failed';
    const messageId = outcome.kind === 'sent' ? outcome.receipt.messageId : undefined;
    if (outcome.kind === 'failed') entry.lastError = outcome.error;
    entry.updatedAt = Date.now();
    const settlement = { status, attempts: attempt, messageId, now: entry.updatedAt } as const;
    const stored = this.writes.persist(() =>
      this.store.markSettled(entry, { ...settlement, error: entry.lastError }),
    );
    // `sent` is reported (caller, metrics, webhooks) without waiting for its commit: a crash
    // before that commit leaves the row `sending`, re-sent and counted as a possible
    // duplicate at the next start (docs/spool.md, "Duplicates"). `failed` waits: a dead
    // letter must be listable and re-drivable as soon as it is reported.
    if (status === 'failed' && !(await stored)) return;
    this.deliverer.settled(settledEmail(entry, status, attempt));
    this.onSettled(entry, { status, messageId, stored });
  }
}
