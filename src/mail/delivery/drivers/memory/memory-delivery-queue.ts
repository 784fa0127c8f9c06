import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MailConfig } from '../../../../config/mail.config';
import type { Deliverer } from '../../deliverer';
import type { EmailView } from '../../email-view';
import type { DeliveryQueue, DrainReport, EnqueueRequest, RetryResult } from '../delivery-queue';
import { DrainingError, QueueFullError } from '../queue-errors';
import { viewOf, type Entry } from './memory-entry';

/**
 * The embedded queue: FIFO, bounded, a fixed number of concurrent deliveries, retries on
 * timers. Emails live only in this process — a crash loses what it holds (use the redis
 * driver when that matters).
 */
export class MemoryDeliveryQueue implements DeliveryQueue, OnModuleDestroy {
  private readonly logger = new Logger('MemoryDeliveryQueue');
  private readonly entries = new Map<string, Entry>();
  /** Settled entries in settle order, for retention. */
  private readonly settled = new Map<string, Entry>();
  private ready: Entry[] = [];
  private readyHead = 0;
  private pending = 0;
  private active = 0;
  private accepting = true;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deliverer: Deliverer,
    private readonly config: MailConfig,
  ) {}

  enqueue({ email, client, startedAt, id, meta }: EnqueueRequest): Promise<EmailView> {
    if (!this.accepting) return Promise.reject(new DrainingError());
    if (this.pending >= this.config.queueCapacity) {
      return Promise.reject(new QueueFullError(this.config.queueCapacity));
    }
    const now = Date.now();
    const entry: Entry = {
      id: id ?? randomUUID(),
      client,
      email,
      status: 'queued',
      attempts: 0,
      acceptedAt: startedAt,
      meta,
      createdAt: now,
      updatedAt: now,
    };
    this.entries.set(entry.id, entry);
    this.pending++;
    this.ready.push(entry);
    this.pump();
    return Promise.resolve(viewOf(entry));
  }

  waitForOutcome(id: string, timeoutMs: number): Promise<EmailView | undefined> {
    const entry = this.lookup(id);
    if (!entry) return Promise.resolve(undefined);
    if (this.isSettledEntry(entry) || timeoutMs <= 0) return Promise.resolve(viewOf(entry));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(viewOf(entry));
      };
      const timer = setTimeout(() => {
        entry.waiters = entry.waiters?.filter((w) => w !== done);
        resolve(viewOf(entry));
      }, timeoutMs);
      (entry.waiters ??= []).push(done);
    });
  }

  find(id: string): Promise<EmailView | undefined> {
    const entry = this.lookup(id);
    return Promise.resolve(entry && viewOf(entry));
  }

  listFailed(limit: number): Promise<EmailView[]> {
    const failed: EmailView[] = [];
    // Newest first: walk the settle-ordered map backwards.
    const settled = [...this.settled.values()];
    for (let i = settled.length - 1; i >= 0 && failed.length < limit; i--) {
      const entry = settled[i];
      if (entry.status === 'failed' && !this.expired(entry)) failed.push(viewOf(entry));
    }
    return Promise.resolve(failed);
  }

  retry(id: string): Promise<RetryResult> {
    const entry = this.lookup(id);
    if (!entry) return Promise.resolve({ kind: 'not-found' });
    if (entry.status !== 'failed' || !entry.email) {
      return Promise.resolve({ kind: 'not-failed', view: viewOf(entry) });
    }
    if (!this.accepting) return Promise.reject(new DrainingError());
    this.settled.delete(entry.id);
    entry.status = 'queued';
    entry.attempts = 0;
    entry.lastError = undefined;
    entry.acceptedAt = performance.now();
    entry.updatedAt = Date.now();
    this.pending++;
    this.ready.push(entry);
    this.pump();
    return Promise.resolve({ kind: 'requeued', view: viewOf(entry) });
  }

  size(): Promise<number> {
    return Promise.resolve(this.pending);
  }

  isAccepting(): boolean {
    return this.accepting;
  }

  async drain(timeoutMs: number): Promise<DrainReport> {
    this.accepting = false;
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
    }
    const report = { remaining: this.pending, timedOut: this.pending > 0 };
    if (report.timedOut) {
      const ids = [...this.entries.values()]
        .filter((e) => !this.isSettledEntry(e))
        .map((e) => e.id);
      this.logger.error(
        `drain timed out after ${timeoutMs} ms with ${ids.length} emails undelivered: ${ids.join(', ')}`,
      );
    }
    return report;
  }

  onModuleDestroy(): void {
    this.accepting = false;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.retryTimer);
      this.wake(entry);
    }
  }

  private isSettledEntry(entry: Entry): boolean {
    return entry.status === 'sent' || entry.status === 'failed';
  }

  private pump(): void {
    while (this.active < this.config.concurrency && this.readyHead < this.ready.length) {
      const entry = this.ready[this.readyHead++];
      this.active++;
      void this.run(entry);
    }
    // Compact the FIFO now and then instead of shift()ing (O(n)) on every dequeue.
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private async run(entry: Entry): Promise<void> {
    entry.status = 'sending';
    entry.attempts++;
    entry.nextAttemptAt = undefined;
    entry.updatedAt = Date.now();
    const outcome = await this.deliverer.attempt(entry.email!, entry.id, entry.attempts);
    this.active--;
    entry.updatedAt = Date.now();
    switch (outcome.kind) {
      case 'sent':
        entry.messageId = outcome.receipt.messageId;
        this.settle(entry, 'sent');
        break;
      case 'failed':
        entry.lastError = outcome.error;
        this.settle(entry, 'failed');
        break;
      case 'retry':
        entry.lastError = outcome.error;
        entry.status = 'queued';
        entry.nextAttemptAt = entry.updatedAt + outcome.delayMs;
        entry.retryTimer = setTimeout(() => {
          entry.retryTimer = undefined;
          this.ready.push(entry);
          this.pump();
        }, outcome.delayMs);
        break;
    }
    this.pump();
  }

  private settle(entry: Entry, status: 'sent' | 'failed'): void {
    entry.status = status;
    if (status === 'sent') entry.email = undefined;
    this.pending--;
    this.deliverer.settled({
      id: entry.id,
      client: entry.client,
      status,
      durationSeconds: (performance.now() - entry.acceptedAt) / 1000,
      error: entry.lastError,
      attempts: entry.attempts,
      meta: entry.meta,
    });
    this.settled.set(entry.id, entry);
    this.wake(entry);
    this.prune();
    if (this.pending === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  private wake(entry: Entry): void {
    const waiters = entry.waiters;
    entry.waiters = undefined;
    waiters?.forEach((wake) => wake());
  }

  private lookup(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && this.isSettledEntry(entry) && this.expired(entry)) {
      this.prune();
      return undefined;
    }
    return entry;
  }

  private expired(entry: Entry): boolean {
    return Date.now() - entry.updatedAt > this.config.retentionMs;
  }

  /** Settled emails leave in settle order once too old or too many. */
  private prune(): void {
    for (const entry of this.settled.values()) {
      if (this.settled.size <= this.config.retentionMax && !this.expired(entry)) break;
      this.settled.delete(entry.id);
      this.entries.delete(entry.id);
    }
  }
}
