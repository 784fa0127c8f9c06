import { Logger } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import type { JobData, JobResult } from './delivery-job';

type SentJob = Job<JobData, JobResult>;

/** Jobs remembered at most: moves in flight (one per delivery slot) and vanished ones. */
const MAX_TRACKED = 10_000;

/**
 * Sent emails whose move to `completed` is still under way. A move that finds the job's key
 * gone — a failover promoted a replica the job had not reached yet, or the key was evicted —
 * is reported by BullMQ only as a worker `error` (its retry of the job fails the same way, and
 * neither `completed` nor `failed` is emitted): without this the send, which reached the relay,
 * was never counted and a waiting caller was answered 202 as if it were still queued. Nobody
 * else can count it: the job is nowhere, so no other replica will take it. BullMQ's message
 * names the job (`Missing key for job <id>. moveToFinished`, then `… moveToDelayed` for the
 * retry); a missing or mismatched lock is not this case — the job is still in Redis, another
 * worker redelivers it (flagged as a possible duplicate) and counts that.
 */
export class SentAwaitingMove {
  private readonly logger = new Logger('RedisDeliveryQueue');
  private readonly moving = new Map<string, SentJob>();
  /** Vanished jobs whose second report (BullMQ's retry of the job) is still to come. */
  private readonly reported = new Set<string>();

  private other: (err: Error) => void = () => undefined;

  /** `sent`: what a completed job gets (counted through the ledger, its waiters woken). */
  constructor(private readonly sent: (job: SentJob) => void) {}

  /** Follows the worker's moves; `other` gets every worker error that is not this case. */
  watch(worker: Worker<JobData, JobResult>, other: (err: Error) => void): void {
    this.other = other;
    worker.on('error', (err: Error) => this.report(err));
    worker.on('completed', (job) => this.moving.delete(job.id!));
  }

  /** Returns `result`, the processor's return value, once the job is remembered. */
  note(job: SentJob, result: JobResult): JobResult {
    // Set by a successful move; the view and the outcome's message id read it.
    job.returnvalue = result;
    // A move that ended in neither event nor a vanished key (a lost lock) leaves its entry:
    // the oldest goes first, long after any move still in flight.
    if (this.moving.size >= MAX_TRACKED) this.moving.delete(this.moving.keys().next().value!);
    this.moving.set(job.id!, job);
    return result;
  }

  /**
   * A worker error. About a sent job that vanished: counted as sent the first time it is
   * reported, dropped the second (BullMQ's retry of the job). Any other goes to `other`.
   */
  private report(err: Error): void {
    const id = /^Missing key for job (.+)\. \w+$/.exec(err.message)?.[1];
    if (id !== undefined && this.reported.delete(id)) return;
    const job = id === undefined ? undefined : this.moving.get(id);
    if (!job) return this.other(err);
    this.moving.delete(job.id!);
    if (this.reported.size < MAX_TRACKED) this.reported.add(job.id!);
    this.logger.error({
      msg: 'sent email vanished from Redis before its completion was recorded (failover or eviction): counted here',
      emailId: job.id,
    });
    this.sent(job);
  }
}
