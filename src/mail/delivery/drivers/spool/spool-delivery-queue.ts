import { SpoolWriteHealth } from './spool-write-health';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MailConfig } from '../../../../config/mail.config';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { Deliverer } from '../../deliverer';
import type { DeliveryQueue, DrainReport, EnqueueRequest, RetryResult } from '../delivery-queue';
import { DrainingError, QueueFullError } from '../queue-errors';
import type { EmailView } from '../../email-view';
import { GroupCommit } from './group-commit';
import { SpoolUnavailableError } from './spool-errors';
import { SpoolIdempotencyStore } from './spool-idempotency-store';
import { listIds, recoverUnfinished, type RecoveryReport } from './spool-recovery';
import { entryFromRow, entryView, rowView, type SpoolEntry } from './spool-row';
import { SpoolStore, type SpoolSynchronous } from './spool-store';
import { SpoolWorkers } from './spool-workers';

/**
 * How long closing waits for sends still in flight after the drain: part of the shutdown
 * bound (README, "Shutdown"). Sends not finished by then are retried after the next start.
 */
export const SPOOL_CLOSE_GRACE_MS = 2_000;

export interface SpoolSettings {
  path: string;
  synchronous: SpoolSynchronous;
  idempotencyTtlMs: number;
  /** How long close waits for sends in flight; unfinished ones are retried on the next start. */
  closeGraceMs: number;
}

type Wake = () => void;

/**
 * The durable embedded queue: every accepted email is committed to the SQLite spool before
 * enqueue resolves, retried across restarts with its attempt count and next-attempt time,
 * and kept after its outcome for the retention window. Same semantics as the memory driver
 * (bounded, DELIVERY_CONCURRENCY sends, Deliverer retries); the delivery loop itself is in
 * SpoolWorkers.
 */
export class SpoolDeliveryQueue implements DeliveryQueue, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SpoolDeliveryQueue');
  readonly store: SpoolStore;
  private readonly writes: SpoolWriteHealth;
  readonly commits: GroupCommit;
  readonly idempotency: SpoolIdempotencyStore;
  private readonly workers: SpoolWorkers;
  private readonly pending = new Map<string, SpoolEntry>();
  private readonly waiters = new Map<string, Set<Wake>>();
  private idleWaiters: Wake[] = [];
  private inserting = 0;
  private accepting = true;
  private purgeTimer?: NodeJS.Timeout;
  recovery: RecoveryReport = { recovered: 0, possibleDuplicates: 0 };

  /** Opens and locks the spool: throws SpoolOpenError, so a bad spool stops start-up. */
  constructor(
    deliverer: Deliverer,
    private readonly config: MailConfig,
    private readonly settings: SpoolSettings,
  ) {
    this.store = SpoolStore.open(settings);
    this.commits = new GroupCommit(this.store);
    this.writes = new SpoolWriteHealth(this.store, this.commits);
    this.idempotency = new SpoolIdempotencyStore(this.store, settings.idempotencyTtlMs);
    this.workers = new SpoolWorkers(
      deliverer,
      this.store,
      this.commits,
      config.concurrency,
      (entry) => this.settled(entry),
    );
  }

  /** Picks up everything the previous process left unfinished, then starts delivering. */
  onModuleInit(): void {
    const { entries, report } = recoverUnfinished(this.store, this.logger);
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
    const entry: SpoolEntry = {
      id: id ?? randomUUID(),
      client,
      status: 'queued',
      attempts: 0,
      acceptedAt: Math.round(now - (performance.now() - startedAt)),
      meta,
      createdAt: now,
      updatedAt: now,
    };
    const claim = this.idempotency.reservationFor(entry.id);
    const payload = JSON.stringify(email satisfies OutgoingEmail);
    this.inserting++;
    try {
      await this.commits.run(() => {
        this.store.insert({ ...entry, payload, metadata: JSON.stringify(meta), now });
        // The key and its email commit together: a key on disk always has its email.
        if (claim) this.store.putKey(claim.key, claim.record, claim.expiresAt);
      });
    } catch (err) {
      this.logger.error(`spool write failed; email refused with 503: ${String(err)}`);
      this.writes.failed();
      throw new SpoolUnavailableError();
    } finally {
      this.inserting--;
    }
    this.writes.succeeded();
    if (claim) this.idempotency.forget(entry.id);
    this.pending.set(entry.id, entry);
    this.workers.schedule(entry);
    return entryView(entry);
  }

  waitForOutcome(id: string, timeoutMs: number): Promise<EmailView | undefined> {
    if (!this.pending.has(id) || timeoutMs <= 0) return this.find(id);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.get(id)?.delete(done);
        resolve(this.view(id));
      };
      const timer = setTimeout(done, timeoutMs);
      const set = this.waiters.get(id) ?? new Set<Wake>();
      this.waiters.set(id, set.add(done));
    });
  }

  find(id: string): Promise<EmailView | undefined> {
    return Promise.resolve(this.view(id));
  }

  listFailed(limit: number): Promise<EmailView[]> {
    return Promise.resolve(this.store.listFailed(limit, this.visibleAfter()).map(rowView));
  }

  async retry(id: string): Promise<RetryResult> {
    const current = this.view(id);
    if (!current) return { kind: 'not-found' };
    if (current.status !== 'failed' || this.pending.has(id))
      return { kind: 'not-failed', view: current };
    if (!this.accepting) throw new DrainingError();
    const now = Date.now();
    let requeued = false;
    try {
      await this.commits.run(() => (requeued = this.store.requeue(id, now, now)));
    } catch {
      throw new SpoolUnavailableError();
    }
    // A payload-less or concurrently re-driven email is not re-driven twice.
    if (!requeued || this.pending.has(id)) return { kind: 'not-failed', view: this.view(id)! };
    const entry: SpoolEntry = { ...entryFromRow(this.store.get(id, 0)!), acceptedAt: now };
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

  possibleDuplicates(): number {
    return this.recovery.possibleDuplicates;
  }

  /** False while draining, and while the spool cannot write (readiness, issue 25). */
  isAccepting(): boolean {
    return this.accepting && this.writes.healthy();
  }

  async drain(timeoutMs: number): Promise<DrainReport> {
    this.accepting = false;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
    }
    const remaining = this.pending.size;
    if (remaining > 0) {
      this.logger.warn(
        `drain ended after ${timeoutMs} ms with ${remaining} emails unfinished; they stay in the spool and are delivered after the next start: ${listIds([...this.pending.keys()])}`,
      );
    }
    return { remaining, timedOut: remaining > 0, kept: true };
  }

  /** Stops delivering, waits up to closeGraceMs for sends in flight, commits and unlocks. */
  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    clearInterval(this.purgeTimer);
    await this.workers.stop(this.settings.closeGraceMs);
    this.commits.flush();
    this.store.close();
    const { commits, writes } = this.commits.stats;
    this.logger.log(`spool closed: ${writes} writes in ${commits} commits since start`);
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }

  private settled(entry: SpoolEntry): void {
    this.pending.delete(entry.id);
    this.wake(entry.id);
    if (this.pending.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  private wake(id: string): void {
    const set = this.waiters.get(id);
    this.waiters.delete(id);
    set?.forEach((wake) => wake());
  }

  private view(id: string): EmailView | undefined {
    const entry = this.pending.get(id);
    if (entry) return entryView(entry);
    if (!this.store.isOpen) return undefined;
    const row = this.store.get(id, this.visibleAfter());
    return row && rowView(row);
  }

  private visibleAfter(): number {
    return Date.now() - this.config.retentionMs;
  }

  private purge(): void {
    try {
      const now = Date.now();
      this.store.purge(now - this.config.retentionMs, this.config.retentionMax, now);
    } catch (err) {
      this.logger.warn(`spool retention purge failed (retried later): ${String(err)}`);
    }
  }
}
