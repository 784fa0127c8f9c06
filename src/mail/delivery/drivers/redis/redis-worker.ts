import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryConfig } from '../../../../config/delivery.config';
import type { MailConfig } from '../../../../config/mail.config';
import type { RedisConnections } from '../../../../redis/redis-connections';
import type { Deliverer } from '../../deliverer';
import type { DrainReport } from '../delivery-queue';
import {
  QUEUE_NAME,
  RetryLater,
  type JobData,
  type JobProgress,
  type JobResult,
} from './delivery-job';
import type { DuplicateFlags } from './duplicate-flags';
import type { OutcomeLedger } from './outcome-ledger';
import type { RedisBounds } from './redis-bounds';
import { RelayHold } from './relay-hold';
import { CompletionReplication } from './completion-replication';
import type { ReplicaAck } from './replica-ack';
import type { OutcomeNotices } from './outcome-notices';
import { SentAwaitingMove } from './sent-awaiting-move';

/**
 * The delivery side of the redis driver: a BullMQ worker in each replica (concurrency
 * DELIVERY_CONCURRENCY) that announces outcomes (OutcomeNotices). Retries follow the Deliverer's
 * decision: a transient failure throws RetryLater and a custom backoff strategy returns its
 * delay; a final one throws UnrecoverableError. Outcomes are reported on the worker's
 * completed / failed events, which BullMQ emits only after the job's final move succeeded in
 * this replica, so an email is counted once cluster-wide even if a lost lock made two
 * replicas send it.
 */
/** How often finished jobs are checked for outcomes nobody counted. */
const RECONCILE_EVERY_MS = 60_000;
/** How long closing waits for BullMQ's connections when Redis is down and nothing is ours. */
const CLOSE_DOWN_MS = 200;
/** Backoff for counting an outcome whose ledger claim failed (Redis unreachable): min, max. */
const [SETTLE_RETRY_MIN_MS, SETTLE_RETRY_MAX_MS] = [250, 10_000];
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class RedisWorker {
  private readonly logger = new Logger('RedisDeliveryQueue');
  private worker?: Worker<JobData, JobResult>;
  private activeHere = 0;
  /** Jobs this replica took and whose final move in Redis it has not yet seen succeed. */
  private readonly unsettledHere = new Set<string>();
  private connection?: Redis;
  private reconcileTimer?: NodeJS.Timeout;
  private closed = false;
  private hold?: RelayHold;
  private replication?: CompletionReplication;
  private onSentHere?: (job: Job<JobData, JobResult>) => void;
  private readonly moving = new SentAwaitingMove((job) => this.onCompleted(job));
  private onSettled: (id: string) => void = () => undefined;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly redis: RedisConnections,
    private readonly mail: MailConfig,
    private readonly delivery: DeliveryConfig,
    private readonly bounds: RedisBounds,
    private readonly ledger: OutcomeLedger,
    private readonly flags: DuplicateFlags,
    private readonly notices: OutcomeNotices,
    private readonly replicas?: ReplicaAck,
  ) {}

  /** `onSettled`: an outcome, here or announced by another replica; `onSentHere`: sent here. */
  start(
    onSettled: (id: string) => void,
    onSentHere?: (job: Job<JobData, JobResult>) => void,
  ): void {
    this.onSentHere = onSentHere;
    this.onSettled = onSettled;
    const lockMs = this.delivery.redisLockMs;
    const prefix = this.redis.prefix;
    this.connection = this.redis.blocking('mailwatch-worker');
    const failover = (emailId: string) => this.flags.twice(emailId, 'failover');
    this.replication = CompletionReplication.when(this.replicas, prefix, failover);
    this.hold = new RelayHold(this.deliverer, async (id) => {
      // A job another replica already took, or that left the delayed set, just stays as is.
      if (this.worker) await (await Job.fromId<JobData, JobResult>(this.worker, id))?.promote();
    });
    this.worker = new Worker<JobData, JobResult>(
      QUEUE_NAME,
      (job, token) => this.process(job, token),
      {
        connection: this.connection,
        prefix,
        concurrency: this.mail.concurrency,
        lockDuration: lockMs,
        stalledInterval: Math.max(250, Math.floor(lockMs / 2)),
        maxStalledCount: 3,
        settings: {
          backoffStrategy: (_attempts, _type, err) =>
            err instanceof RetryLater ? err.delayMs : 1000,
        },
      },
    );
    this.moving.watch(this.worker, (err) => this.bounds.logError('worker', err));
    this.worker.on('active', (job) => {
      this.unsettledHere.add(job.id!);
      // Taken over from a replica that lost it (killed, or its Redis failed over mid-send):
      // that attempt may have reached the relay already.
      if (job.stalledCounter > 0) {
        this.flags.twice(job.id, 'stalled');
      }
    });
    this.worker.on('completed', (job) => this.onCompleted(job));
    this.worker.on('failed', (job, err) => this.onFailed(job, err));

    this.notices.start(this.redis.blocking('mailwatch-notices'), onSettled);
    // Outcomes a dead replica never counted, and counts that failed during an outage.
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.reconcileTimer.unref();
  }

  /** Counts finished jobs whose outcome nobody counted (see OutcomeLedger). */
  async reconcile(): Promise<void> {
    await this.ledger.reconcile().catch((err: Error) => this.bounds.logError('reconcile', err));
  }

  /**
   * Bounded wait for the worker's connection and the notices' subscription. A BullMQ connection
   * still initialising when it is closed reports "Connection is closed" on an emitter whose
   * listeners close() already removed, which crashes the process: start-up waits it out.
   */
  async waitUntilReady(): Promise<void> {
    await this.bounds.run(
      Promise.all([this.worker?.waitUntilReady(), this.notices.waitUntilReady()]),
    );
  }

  /**
   * Stops taking new work and waits for this replica's active sends; jobs not started
   * stay in Redis for the other replicas.
   */
  async drain(timeoutMs: number): Promise<DrainReport> {
    if (!this.worker) return { remaining: 0, timedOut: false };
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.worker.close().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      // BullMQ's close waits for its connections, which with Redis down never finish: with
      // nothing of ours in flight there is nothing to wait for (issue 24: 30 s → 0).
      new Promise<boolean>(
        (resolve) => (poll = setInterval(() => this.idleWithRedisDown() && resolve(false), 100)),
      ),
    ]);
    clearTimeout(timer);
    clearInterval(poll);
    if (timedOut) {
      this.logger.error(
        `drain timed out after ${timeoutMs} ms with ${this.activeHere} sends active; their jobs stay in Redis and are retried by another replica`,
      );
    }
    // Unfinished jobs stay in Redis: another replica (or this one restarted) takes them.
    return { remaining: timedOut ? this.activeHere : 0, timedOut, kept: true };
  }

  /**
   * Graceful waiting for active sends is drain()'s job; here a stuck send must not hold the
   * process: its job stays in Redis and another replica takes it once the lock lapses.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.hold?.stop();
    this.replication?.stop();
    clearInterval(this.reconcileTimer);
    const closing = Promise.allSettled([this.worker?.close(true)]);
    // With Redis down the connections never close politely: RedisConnections cuts them next.
    await (this.idleWithRedisDown() ? Promise.race([closing, delay(CLOSE_DOWN_MS)]) : closing);
  }

  /** Nothing of this replica's is in flight, and Redis is not connected. */
  private idleWithRedisDown(): boolean {
    return this.unsettledHere.size === 0 && this.connection?.status !== 'ready';
  }

  private async process(job: Job<JobData, JobResult>, token?: string): Promise<JobResult> {
    // Every relay known down: no attempt, nothing spent; back to Redis as delayed.
    if (this.hold?.active) {
      this.unsettledHere.delete(job.id!);
      return this.hold.hold(job, token);
    }
    this.activeHere++;
    try {
      const attempt = job.attemptsMade + 1;
      // The job's creation time starts DELIVERY_LIFETIME, as acceptance does for local drivers.
      const outcome = await this.deliverer.attempt(job.data.email, job.id!, attempt, job.timestamp);
      const now = Date.now();
      switch (outcome.kind) {
        case 'sent':
          return this.moving.note(job, { messageId: outcome.receipt.messageId, attempts: attempt });
        case 'retry': {
          const progress = {
            attempts: attempt,
            lastError: outcome.error,
            nextAttemptAt: now + outcome.delayMs,
            at: now,
          } satisfies JobProgress;
          await job.updateProgress(progress);
          // Stored as deferred in Redis first; the event's id is the email's, whichever replica.
          const { client, meta = {} } = job.data;
          this.deliverer.deferred({
            id: job.id!,
            client,
            meta,
            acceptedAt: job.timestamp,
            ...progress,
          });
          throw new RetryLater(outcome.delayMs, outcome.error);
        }
        case 'failed':
          await job.updateProgress({
            attempts: attempt,
            lastError: outcome.error,
            at: now,
          } satisfies JobProgress);
          throw new UnrecoverableError(outcome.error.message);
      }
    } finally {
      this.activeHere--;
    }
  }

  private onCompleted(job: Job<JobData, JobResult>): void {
    this.replication?.note(job.id!);
    // Waiters wake once it is counted (or the count failed once): no 200 before the metric.
    void this.settle(job, 'sent').then(() => {
      this.unsettledHere.delete(job.id!);
      this.onSentHere?.(job);
    });
  }

  private onFailed(job: Job<JobData, JobResult> | undefined, err: Error): void {
    if (!job) return;
    // Moved in Redis (to delayed for a retry, or to failed): no longer this replica's.
    this.unsettledHere.delete(job.id!);
    // RetryLater means another attempt is scheduled: not an outcome yet.
    if (err instanceof RetryLater && job.attemptsMade < this.mail.maxAttempts) return;
    // This replica's waiters wake once it is counted; others hear of it from the claim.
    void this.settle(job, 'failed').then(() => this.onSettled(job.id!));
  }

  /** Counted through the ledger: exactly once even if this replica dies right now. */
  private settle(job: Job<JobData, JobResult>, status: 'sent' | 'failed', waitMs = 0) {
    return this.ledger.settle(job, status).catch((err: Error) => {
      this.bounds.logError('outcome ledger', err);
      // Idempotent, so retried: else a Redis blip leaves the count short until the next
      // reconcile (a minute), which is left to when closed.
      if (this.closed) return;
      const next = Math.min(Math.max(waitMs * 2, SETTLE_RETRY_MIN_MS), SETTLE_RETRY_MAX_MS);
      setTimeout(() => void this.settle(job, status, next), next).unref();
    });
  }
}
