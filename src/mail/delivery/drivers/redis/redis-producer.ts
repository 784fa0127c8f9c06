import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { MailConfig } from '../../../../config/mail.config';
import { newEmailId } from '../../email-id';
import type { EmailView } from '../../email-view';
import type {
  BrowseGroup,
  BrowsedEmail,
  EnqueueRequest,
  QueueStateCounts,
  RetryResult,
} from '../delivery-queue';
import { DrainingError, QueueFullError, QueueUnavailableError } from '../queue-errors';
import {
  BACKLOG_STATES,
  BACKOFF_TYPE,
  JOB_NAME,
  jobToView,
  QUEUE_NAME,
  type JobData,
  type JobResult,
} from './delivery-job';
import type { RedisClock } from '../../../../redis/redis-clock';
import { Admission } from './admission';
import type { DuplicateFlags } from './duplicate-flags';
import type { RedisBounds } from './redis-bounds';
import { browseRedis } from './redis-pages';
import type { ReplicaAck } from './replica-ack';

/** ioredis's refusal of a command while disconnected (no offline queue): it never left. */
const neverSent = (err: unknown): boolean =>
  err instanceof Error && err.message.includes('enableOfflineQueue');

/** Dead letters read per Redis call, and at most this many looked at, when listing one client's. */
const FAILED_PAGE = 200;
const FAILED_SCAN_MAX = 10_000;
/**
 * The request side of the redis driver: adds jobs (job id = email id), reads them back for
 * GET /emails/:id from any replica, re-drives dead letters, and counts the backlog.
 * Every call is bounded (RedisBounds).
 */
export class RedisProducer {
  readonly queue: Queue<JobData, JobResult>;
  private readonly admission: Admission;
  private backlog = { count: 0, readAt: 0 };
  private lastCounts: Record<string, number> = {};

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly mail: MailConfig,
    private readonly bounds: RedisBounds,
    private readonly clock: RedisClock,
    private readonly replicas: ReplicaAck,
    flags: DuplicateFlags,
    /** This replica, stamped on each email as its origin (OutcomeNotices). */
    private readonly origin?: string,
  ) {
    this.queue = new Queue<JobData, JobResult>(QUEUE_NAME, { connection, prefix });
    this.admission = new Admission(connection, this.queue, clock, flags);
    this.queue.on('error', (err: Error) => bounds.logError('queue', err));
  }

  get ready(): boolean {
    return this.connection.status === 'ready';
  }

  /** See ReplicaAck.missing. */
  get replicasMissing(): number {
    return this.replicas.missing;
  }

  get responsive(): boolean {
    return this.bounds.responsive;
  }

  private probing = false;

  /** One bounded PING at a time; a success marks Redis responsive again. */
  probe(): void {
    if (this.probing || !this.ready) return;
    this.probing = true;
    this.bounds
      .run(this.connection.ping())
      .catch(() => undefined)
      .finally(() => (this.probing = false));
  }

  async waitUntilReady(): Promise<void> {
    await this.bounds.run(this.queue.waitUntilReady());
    await this.bounds.run(this.clock.sync());
  }

  async enqueue(
    { email, client, id, meta }: EnqueueRequest,
    accepting: boolean,
  ): Promise<EmailView> {
    if (!accepting) throw new DrainingError();
    if (!this.ready) throw this.bounds.unavailable();
    if ((await this.backlogEstimate()) >= this.mail.queueCapacity) {
      throw new QueueFullError(this.mail.queueCapacity);
    }
    const retention = { age: this.retentionSeconds(), count: this.mail.retentionMax };
    const jobId = id ?? newEmailId();
    // The fence goes out first, on the same connection: see Admission.
    const admitted = this.admission.admit(jobId, this.bounds.timeoutMs);
    const adding = this.queue.add(
      JOB_NAME,
      { email, client, meta, origin: this.origin },
      {
        jobId,
        attempts: this.mail.maxAttempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: retention,
        removeOnFail: retention,
      },
    );
    let job: Awaited<typeof adding>;
    try {
      const [admittedInTime, added] = await this.bounds.run(Promise.all([admitted, adding]));
      if (!admittedInTime) throw this.bounds.unavailable();
      job = added;
    } catch (err) {
      // Refused before anything was written to the socket: nothing to take back.
      if (neverSent(err)) throw err;
      // 503 only if nothing goes out: a job a worker already took is accepted after all.
      const taken = await this.admission.takenAfterAll(jobId, this.bounds);
      if (!taken) throw err;
      job = taken;
    }
    this.backlog.count++;
    await this.confirmReplicated(jobId);
    return jobToView(job, 'waiting');
  }

  /**
   * With REDIS_WAIT_REPLICAS, an email is acknowledged once that many replicas hold it (as
   * many as the master has, when it has fewer: see ReplicaAck).
   * Short of that it is withdrawn (503), unless a worker took it already: then it is on
   * its way and accepted. When Redis cannot tell (the master died), 503 and a log line: a
   * possible duplicate, never a loss.
   */
  private async confirmReplicated(jobId: string): Promise<void> {
    if (this.replicas.required === 0) return;
    const ack = await this.bounds
      .run(this.replicas.ack(this.queue.toKey(jobId)))
      .catch(() => ({ acked: 0, needed: this.replicas.required }));
    if (ack.acked >= ack.needed) return;
    const verdict = await this.bounds.run(this.admission.withdrawNow(jobId)).catch(() => undefined);
    if (verdict === -1) return;
    if (verdict === undefined) this.admission.possibleDuplicate(jobId, 'Redis failed mid-write');
    throw this.bounds.unavailable();
  }

  async find(id: string): Promise<EmailView | undefined> {
    // State before data: a job seen failed (or completed) has its last error (or result)
    // already stored, while data read first could predate the worker's last write and show a
    // failed email without the error that decides 422 or 502.
    const state = await this.bounds.run(this.queue.getJobState(id));
    const job = await this.bounds.run(this.queue.getJob(id));
    // A withdrawn id (Admission's marker) is no email.
    if (!job || job.name !== JOB_NAME) return undefined;
    return jobToView(job, state);
  }

  async listFailed(limit: number, client?: string): Promise<EmailView[]> {
    if (client === undefined) {
      const jobs = await this.bounds.run(this.queue.getJobs(['failed'], 0, limit - 1, false));
      return jobs.filter(Boolean).map((job) => jobToView(job, 'failed'));
    }
    // One client's: pages through the failed set (newest first), bounded, so a client with
    // few dead letters among many of others' still gets its own.
    const found: EmailView[] = [];
    for (let start = 0; found.length < limit && start < FAILED_SCAN_MAX; start += FAILED_PAGE) {
      const jobs = await this.bounds.run(
        this.queue.getJobs(['failed'], start, start + FAILED_PAGE - 1, false),
      );
      for (const job of jobs) {
        if (job?.data.client === client && found.length < limit) {
          found.push(jobToView(job, 'failed'));
        }
      }
      if (jobs.length < FAILED_PAGE) break;
    }
    return found;
  }

  browse(group: BrowseGroup, after: string | undefined, limit: number): Promise<BrowsedEmail[]> {
    return browseRedis(this.queue, this.connection, this.bounds, { group, after, limit });
  }

  async retry(id: string): Promise<RetryResult> {
    const job = await this.bounds.run(this.queue.getJob(id));
    if (!job) return { kind: 'not-found' };
    const state = await this.bounds.run(job.getState());
    if (state !== 'failed') return { kind: 'not-failed', view: jobToView(job, state) };
    try {
      await this.bounds.run(job.updateProgress({}));
      await this.bounds.run(
        job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }),
      );
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      // Another request re-drove it first: the job is no longer in the failed set.
      return { kind: 'not-failed', view: jobToView(job, await this.bounds.run(job.getState())) };
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

  close(): Promise<void> {
    this.admission.close();
    return this.queue.close();
  }

  private async counts(): Promise<Record<string, number>> {
    try {
      this.lastCounts = await this.bounds.run(this.queue.getJobCounts(...BACKLOG_STATES, 'failed'));
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

  private retentionSeconds(): number {
    return Math.max(1, Math.round(this.mail.retentionMs / 1000));
  }
}
