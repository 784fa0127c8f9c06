import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DeliveryConfig } from '../../../config/delivery.config';
import type { MailConfig } from '../../../config/mail.config';
import type { QueueConfig } from '../../../config/queue.config';
import type { QueueStateCounts } from '../../../metrics/queue-depth';
import {
  DrainingError,
  QueueFullError,
  QueueUnavailableError,
  type DeliveryQueue,
  type DrainReport,
  type EnqueueRequest,
  type RetryResult,
} from '../delivery-queue';
import type { Deliverer } from '../deliverer';
import { isSettled, type EmailView } from '../email-view';
import {
  jobToView,
  progressOf,
  RetryLater,
  type JobData,
  type JobProgress,
  type JobResult,
} from './delivery-job';
import { createRedisConnection } from './redis-connection.factory';

const QUEUE_NAME = 'email-delivery';
const JOB_NAME = 'send';
const BACKOFF_TYPE = 'deliverer';
/** States counted as backlog: accepted and not finally resolved. */
const BACKLOG_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized'];
const RETRY_AFTER_SECONDS = 5;

type Wake = () => void;

/**
 * The shared delivery queue on BullMQ. One Redis queue for all replicas, a worker in each
 * (concurrency DELIVERY_CONCURRENCY), job id = email id so any replica answers
 * GET /emails/:id from the job itself. Retries follow the Deliverer's decision: a
 * transient failure throws RetryLater and a custom backoff strategy returns its delay; a
 * final one throws UnrecoverableError. Metrics are recorded on the worker's completed /
 * failed events, which BullMQ emits only after the job's final move succeeded in this
 * replica, so an email is counted once cluster-wide even if a lost lock made two replicas
 * send it.
 */
export class RedisDeliveryQueue implements DeliveryQueue, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedisDeliveryQueue');
  private readonly producer: Redis;
  /** Given to BullMQ as instances, which it treats as shared: closing them is ours. */
  private readonly blocking: Redis[] = [];
  private readonly queue: Queue<JobData, JobResult>;
  private worker?: Worker<JobData, JobResult>;
  private events?: QueueEvents;
  private readonly waiters = new Map<string, Set<Wake>>();
  private accepting = true;
  private activeHere = 0;
  private backlog = { count: 0, readAt: 0 };
  private lastCounts: Record<string, number> = {};
  private lastErrorLog = 0;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly mail: MailConfig,
    private readonly queueConfig: QueueConfig,
    private readonly delivery: DeliveryConfig,
  ) {
    this.producer = createRedisConnection(this.settings(), 'command', 'mailwatch-producer');
    this.producer.on('error', (err: Error) => this.logError('producer connection', err));
    this.queue = new Queue<JobData, JobResult>(QUEUE_NAME, {
      connection: this.producer,
      prefix: queueConfig.redisPrefix,
    });
    this.queue.on('error', (err: Error) => this.logError('queue', err));
  }

  /** The command connection, shared with the idempotency store. */
  get connection(): Redis {
    return this.producer;
  }

  async onModuleInit(): Promise<void> {
    // Start-up waits a bounded time for Redis; if it is down, the app still starts and
    // reports not-ready until the connection comes up.
    await this.bounded(this.queue.waitUntilReady()).catch(() =>
      this.logger.warn('Redis is not reachable at start-up; not ready until it is'),
    );
    const lockMs = this.delivery.redisLockMs;
    this.worker = new Worker<JobData, JobResult>(QUEUE_NAME, (job) => this.process(job), {
      connection: this.blockingConnection('mailwatch-worker'),
      prefix: this.queueConfig.redisPrefix,
      concurrency: this.mail.concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(250, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
      settings: {
        backoffStrategy: (_attempts, _type, err) =>
          err instanceof RetryLater ? err.delayMs : 1000,
      },
    });
    this.worker.on('error', (err: Error) => this.logError('worker', err));
    this.worker.on('completed', (job, result) => this.onCompleted(job, result));
    this.worker.on('failed', (job, err) => this.onFailed(job, err));

    this.events = new QueueEvents(QUEUE_NAME, {
      connection: this.blockingConnection('mailwatch-events'),
      prefix: this.queueConfig.redisPrefix,
    });
    this.events.on('error', (err: Error) => this.logError('queue events', err));
    this.events.on('completed', ({ jobId }) => this.wake(jobId));
    this.events.on('failed', ({ jobId }) => this.wake(jobId));
  }

  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    for (const id of [...this.waiters.keys()]) this.wake(id);
    // Graceful waiting for active sends is drain()'s job; here a stuck send must not hold
    // the process: its job stays in Redis and another replica takes it once the lock lapses.
    await Promise.allSettled([this.worker?.close(true), this.events?.close()]);
    await Promise.allSettled([this.queue.close()]);
    this.producer.disconnect();
    this.blocking.forEach((connection) => connection.disconnect());
  }

  async enqueue({ email, client, id, requestId }: EnqueueRequest): Promise<EmailView> {
    if (!this.accepting) throw new DrainingError();
    if (this.producer.status !== 'ready') throw this.unavailable();
    if ((await this.backlogEstimate()) >= this.mail.queueCapacity) {
      throw new QueueFullError(this.mail.queueCapacity);
    }
    const jobId = id ?? randomUUID();
    const job = await this.bounded(
      this.queue.add(
        JOB_NAME,
        { email, client, requestId },
        {
          jobId,
          attempts: this.mail.maxAttempts,
          backoff: { type: BACKOFF_TYPE },
          removeOnComplete: { age: this.retentionSeconds(), count: this.mail.retentionMax },
          removeOnFail: { age: this.retentionSeconds(), count: this.mail.retentionMax },
        },
      ),
    );
    this.backlog.count++;
    return jobToView(job, 'waiting');
  }

  async waitForOutcome(id: string, timeoutMs: number): Promise<EmailView | undefined> {
    const deadline = Date.now() + timeoutMs;
    let view: EmailView | undefined;
    for (;;) {
      // Listen before reading, so an outcome between the read and the wait is not missed.
      const signal = this.listen(id);
      try {
        view = await this.find(id);
      } catch {
        signal.cancel();
        return view;
      }
      const left = deadline - Date.now();
      if (!view || isSettled(view) || left <= 0) {
        signal.cancel();
        return view;
      }
      // Events can lag or be missed across a reconnect: re-read at least every second.
      await signal.wait(Math.min(left, 1_000));
    }
  }

  async find(id: string): Promise<EmailView | undefined> {
    const job = await this.bounded(this.queue.getJob(id));
    if (!job) return undefined;
    return jobToView(job, await this.bounded(job.getState()));
  }

  async listFailed(limit: number): Promise<EmailView[]> {
    const jobs = await this.bounded(this.queue.getJobs(['failed'], 0, limit - 1, false));
    return jobs.filter(Boolean).map((job) => jobToView(job, 'failed'));
  }

  async retry(id: string): Promise<RetryResult> {
    const job = await this.bounded(this.queue.getJob(id));
    if (!job) return { kind: 'not-found' };
    const state = await this.bounded(job.getState());
    if (state !== 'failed') return { kind: 'not-failed', view: jobToView(job, state) };
    try {
      await this.bounded(job.updateProgress({}));
      await this.bounded(
        job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }),
      );
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      // Another request re-drove it first: the job is no longer in the failed set.
      return { kind: 'not-failed', view: jobToView(job, await this.bounded(job.getState())) };
    }
    job.progress = {};
    job.attemptsMade = 0;
    return { kind: 'requeued', view: jobToView(job, 'waiting') };
  }

  async size(): Promise<number> {
    const counts = await this.counts();
    return BACKLOG_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
  }

  async states(): Promise<QueueStateCounts> {
    const counts = await this.counts();
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  isAccepting(): boolean {
    return this.accepting && this.producer.status === 'ready';
  }

  /**
   * Stops taking new work and waits for this replica's active sends; jobs not started
   * stay in Redis for the other replicas.
   */
  async drain(timeoutMs: number): Promise<DrainReport> {
    this.accepting = false;
    if (!this.worker) return { remaining: 0, timedOut: false };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.worker.close().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    const report = { remaining: timedOut ? this.activeHere : 0, timedOut };
    if (timedOut) {
      this.logger.error(
        `drain timed out after ${timeoutMs} ms with ${this.activeHere} sends active; their jobs stay in Redis and are retried by another replica`,
      );
    }
    return report;
  }

  private async process(job: Job<JobData, JobResult>): Promise<JobResult> {
    this.activeHere++;
    try {
      const attempt = job.attemptsMade + 1;
      const outcome = await this.deliverer.attempt(job.data.email, job.id!, attempt);
      const now = Date.now();
      switch (outcome.kind) {
        case 'sent':
          return { messageId: outcome.receipt.messageId, attempts: attempt };
        case 'retry':
          await job.updateProgress({
            attempts: attempt,
            lastError: outcome.error,
            nextAttemptAt: now + outcome.delayMs,
            at: now,
          } satisfies JobProgress);
          throw new RetryLater(outcome.delayMs, outcome.error);
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

  private onCompleted(job: Job<JobData, JobResult>, result: JobResult): void {
    this.deliverer.settled({
      id: job.id!,
      client: job.data.client,
      status: 'sent',
      durationSeconds: this.durationSeconds(job),
      attempts: result.attempts,
      requestId: job.data.requestId,
    });
  }

  private onFailed(job: Job<JobData, JobResult> | undefined, err: Error): void {
    if (!job) return;
    // RetryLater means another attempt is scheduled: not an outcome yet.
    if (err instanceof RetryLater && job.attemptsMade < this.mail.maxAttempts) return;
    const progress = progressOf(job);
    this.deliverer.settled({
      id: job.id!,
      client: job.data.client,
      status: 'failed',
      durationSeconds: this.durationSeconds(job),
      attempts: progress.attempts ?? job.attemptsMade,
      requestId: job.data.requestId,
      error: progress.lastError ?? {
        code: 'unknown',
        smtpCode: null,
        message: err.message,
        retryable: false,
      },
    });
  }

  private durationSeconds(job: Job): number {
    return Math.max(0, (Date.now() - job.timestamp) / 1000);
  }

  private async counts(): Promise<Record<string, number>> {
    try {
      this.lastCounts = await this.bounded(this.queue.getJobCounts(...BACKLOG_STATES, 'failed'));
      this.backlog = {
        count: BACKLOG_STATES.reduce((sum, s) => sum + (this.lastCounts[s] ?? 0), 0),
        readAt: Date.now(),
      };
    } catch {
      // A scrape during an outage shows the last known counts rather than failing /metrics.
    }
    return this.lastCounts;
  }

  /** The backlog for the capacity check, re-read from Redis at most once a second. */
  private async backlogEstimate(): Promise<number> {
    if (Date.now() - this.backlog.readAt > 1_000) {
      this.backlog.readAt = Date.now();
      await this.counts();
    }
    return this.backlog.count;
  }

  private listen(id: string): { wait(ms: number): Promise<void>; cancel(): void } {
    let wake: Wake = () => undefined;
    let fired = false;
    const onWake: Wake = () => {
      fired = true;
      wake();
    };
    const set = this.waiters.get(id) ?? new Set<Wake>();
    set.add(onWake);
    this.waiters.set(id, set);
    const cancel = () => {
      set.delete(onWake);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
    };
    return {
      cancel,
      wait: (ms) =>
        new Promise<void>((resolve) => {
          if (fired) {
            cancel();
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            cancel();
            resolve();
          }, ms);
          wake = () => {
            clearTimeout(timer);
            cancel();
            resolve();
          };
        }),
    };
  }

  private wake(id: string): void {
    const set = this.waiters.get(id);
    if (!set) return;
    this.waiters.delete(id);
    set.forEach((wake) => wake());
  }

  /**
   * Every request-path call is bounded: the command connection has its own timeout, but
   * BullMQ may await the connection's readiness first, which has none.
   */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.unavailable()), this.delivery.redisTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      this.logError('command', err as Error);
      throw this.unavailable();
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  private unavailable(): QueueUnavailableError {
    return new QueueUnavailableError(
      'delivery queue store (Redis) is unreachable; nothing was queued, retry later',
      RETRY_AFTER_SECONDS,
    );
  }

  private retentionSeconds(): number {
    return Math.max(1, Math.round(this.mail.retentionMs / 1000));
  }

  private blockingConnection(name: string): Redis {
    const connection = createRedisConnection(this.settings(), 'blocking', name);
    connection.on('error', (err: Error) => this.logError(name, err));
    this.blocking.push(connection);
    return connection;
  }

  private settings() {
    return { url: this.queueConfig.redisUrl, timeoutMs: this.delivery.redisTimeoutMs };
  }

  /** An outage makes every connection complain on each reconnect: log once every 5 s. */
  private logError(source: string, err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 5_000) return;
    this.lastErrorLog = now;
    this.logger.warn(`redis ${source}: ${err.message}`);
  }
}
