import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { MailConfig } from '../../../../config/mail.config';
import { RELAY_DOWN, type Deliverer } from '../../deliverer';
import { newEmailId } from '../../email-id';
import type { EmailView } from '../../email-view';
import { OutcomeSignals, waitForView, type WaitOptions } from '../../outcome-signals';
import type {
  Backlog,
  BrowseGroup,
  BrowsedEmail,
  DeliveryQueue,
  DrainReport,
  EnqueueRequest,
  RetryResult,
} from '../delivery-queue';
import { DrainingError, QueueFullError } from '../queue-errors';
import { entryView, type EmailStore, type LocalEntry, type RecoveryReport } from './email-store';
import { LocalWorkers, type SettledNote } from './local-workers';
import { browseLocal, pendingBacklog } from './pending-views';

/** Ids named in a log line, at most; the rest are counted. */
const IDS_IN_LOG = 20;

export function listIds(ids: string[]): string {
  const shown = ids.slice(0, IDS_IN_LOG).join(', ');
  return ids.length > IDS_IN_LOG ? `${shown} and ${ids.length - IDS_IN_LOG} more` : shown;
}

export interface LocalQueueOptions {
  /** Logger context: the driver's class name. */
  name: string;
  /** How long close waits for sends in flight (durable stores retry the rest after a start). */
  closeGraceMs: number;
}

/**
 * The embedded queue of one process over an EmailStore (SQLite spool or memory): FIFO, bounded
 * by QUEUE_CAPACITY, DELIVERY_CONCURRENCY sends, retries, retention. A new local store is one
 * EmailStore, not another loop. Unfinished emails live in memory, payloads in the store.
 */
export class LocalDeliveryQueue implements DeliveryQueue, OnModuleInit, OnModuleDestroy {
  protected readonly logger: Logger;
  private readonly workers: LocalWorkers;
  private readonly pending = new Map<string, LocalEntry>();
  /** Reported as settled, their write not yet committed: what reads show meanwhile. */
  private readonly settling = new Map<string, EmailView>();
  /** Re-drives in progress: a concurrent second one is refused, not run twice. */
  private readonly redriving = new Map<string, EmailView>();
  private readonly signals = new OutcomeSignals();
  private idleWaiters: Array<() => void> = [];
  private inserting = 0;
  private accepting = true;
  private closed = false;
  private purgeTimer?: NodeJS.Timeout;
  recovery: RecoveryReport = { recovered: 0, possibleDuplicates: 0 };

  constructor(
    private readonly deliverer: Deliverer,
    protected readonly config: MailConfig,
    protected readonly emails: EmailStore,
    private readonly options: LocalQueueOptions,
  ) {
    this.logger = new Logger(options.name);
    this.workers = new LocalWorkers(deliverer, emails, config.concurrency, this.logger, (e, s) =>
      this.settled(e, s),
    );
  }

  /** Picks up everything the previous process left unfinished, then starts delivering. */
  onModuleInit(): void {
    const { entries, report } = this.emails.recover();
    this.recovery = report;
    for (const entry of entries) {
      this.pending.set(entry.id, entry);
      this.workers.schedule(entry);
    }
    this.purge();
    const every = Math.min(this.config.retentionMs, 60_000);
    this.purgeTimer = setInterval(() => this.purge(), every);
    this.purgeTimer.unref();
  }

  async enqueue({ email, client, startedAt, id, meta }: EnqueueRequest): Promise<EmailView> {
    if (!this.accepting) throw new DrainingError();
    if (this.pending.size + this.inserting >= this.config.queueCapacity) {
      throw new QueueFullError(this.config.queueCapacity);
    }
    const now = Date.now();
    const entry: LocalEntry = {
      id: id ?? newEmailId(now),
      client,
      status: 'queued',
      attempts: 0,
      acceptedAt: Math.round(now - (performance.now() - startedAt)),
      meta,
      createdAt: now,
      updatedAt: now,
    };
    // A free slot now: stored as `sending` in the accept commit, one commit for the caller.
    const startsNow = this.workers.claim();
    this.inserting++;
    try {
      await this.emails.insert(entry, email, startsNow);
    } catch (err) {
      if (startsNow) this.workers.release();
      throw err;
    } finally {
      this.inserting--;
    }
    this.pending.set(entry.id, entry);
    // A repeated Idempotency-Key may be waiting for this email to be stored.
    this.signals.wake(entry.id);
    const view = entryView(entry);
    if (startsNow) this.workers.startClaimed(entry, email);
    else this.workers.schedule(entry);
    return view;
  }

  waitForOutcome(
    id: string,
    timeoutMs: number,
    options: Pick<WaitOptions, 'untilStored' | 'storedOnly'> = {},
  ): Promise<EmailView | undefined> {
    return waitForView(this.signals, (key) => this.find(key), id, timeoutMs, {
      ...options,
      closed: () => this.closed,
    });
  }

  find(id: string): Promise<EmailView | undefined> {
    return Promise.resolve(this.view(id));
  }

  listFailed(limit: number, client?: string): Promise<EmailView[]> {
    return Promise.resolve(this.emails.listFailed(limit, client));
  }

  async retry(id: string): Promise<RetryResult> {
    const redriven = this.redriving.get(id);
    if (redriven) return { kind: 'not-failed', view: redriven };
    const current = this.view(id);
    if (!current) return { kind: 'not-found' };
    if (current.status !== 'failed' || this.pending.has(id)) {
      return { kind: 'not-failed', view: current };
    }
    if (!this.accepting) throw new DrainingError();
    this.redriving.set(id, { ...current, status: 'queued' });
    let entry: LocalEntry | undefined;
    try {
      entry = await this.emails.requeue(id, Date.now());
    } finally {
      this.redriving.delete(id);
    }
    // A payload-less email cannot be re-driven.
    if (!entry) return { kind: 'not-failed', view: current };
    this.pending.set(id, entry);
    this.workers.schedule(entry);
    return { kind: 'requeued', view: entryView(entry) };
  }

  size(): Promise<number> {
    return Promise.resolve(this.pending.size);
  }

  /** Synchronous size, for the scrape-time gauge. */
  pendingCount(): number {
    return this.pending.size;
  }

  /** One pass over the unfinished emails, at scrape time. */
  backlog(): Promise<Backlog> {
    return Promise.resolve(pendingBacklog(this.pending.values(), !this.deliverer.available()));
  }

  browse(group: BrowseGroup, after: string | undefined, limit: number): Promise<BrowsedEmail[]> {
    const view = (id: string) => this.view(id);
    return Promise.resolve(browseLocal(group, after, limit, this.pending, this.emails, view));
  }

  possibleDuplicates(): number {
    return this.recovery.possibleDuplicates;
  }

  isAccepting(): boolean {
    return this.accepting;
  }

  async drain(timeoutMs: number): Promise<DrainReport> {
    this.accepting = false;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      // A durable store stops retrying at once: what is deferred waits for the next start.
      const quiet = this.emails.durable ? this.workers.drain() : idle;
      await Promise.race([idle, quiet, timeout]);
      clearTimeout(timer);
    }
    const remaining = this.pending.size;
    const ids = listIds([...this.pending.keys()]);
    if (remaining > 0 && this.emails.durable) {
      this.logger.warn(
        `drain ended with ${remaining} emails unfinished; they stay in the ${this.emails.name} with their attempt counts and are delivered after the next start: ${ids}`,
      );
    } else if (remaining > 0) {
      this.logger.error(
        `drain timed out after ${timeoutMs} ms with ${remaining} emails undelivered: ${[...this.pending.keys()].join(', ')}`,
      );
    }
    const report: DrainReport = { remaining, timedOut: remaining > 0 };
    return this.emails.durable ? { ...report, kept: true } : report;
  }

  /** Stops delivering, waits up to closeGraceMs for sends in flight, then closes the store. */
  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    this.closed = true;
    clearInterval(this.purgeTimer);
    await this.workers.stop(this.options.closeGraceMs);
    this.emails.close();
    this.signals.wakeAll();
  }

  private settled(entry: LocalEntry, { status, messageId, stored }: SettledNote): void {
    const view = { ...entryView(entry), status, messageId, nextAttemptAt: undefined };
    this.settling.set(entry.id, view);
    void stored.finally(() => this.settling.delete(entry.id));
    this.pending.delete(entry.id);
    this.signals.wake(entry.id);
    if (this.pending.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  private view(id: string): EmailView | undefined {
    const entry = this.pending.get(id);
    if (entry?.status === 'queued' && !this.deliverer.available()) {
      // Held for a relay, not attempted: shown as deferred, with why.
      const view = entryView(entry);
      return { ...view, status: 'deferred', lastError: view.lastError ?? RELAY_DOWN };
    }
    if (entry) return entryView(entry);
    const settling = this.settling.get(id);
    if (settling) return settling;
    return this.emails.isOpen ? this.emails.get(id) : undefined;
  }

  private purge(): void {
    try {
      this.emails.purge(Date.now());
    } catch (err) {
      this.logger.warn(
        `${this.emails.name} retention purge failed (retried later): ${String(err)}`,
      );
    }
  }
}
