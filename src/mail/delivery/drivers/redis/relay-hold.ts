import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Deliverer } from '../../deliverer';
import { progressOf, type JobData, type JobProgress, type JobResult } from './delivery-job';

/**
 * How long a held job waits in Redis before a replica looks at it again (and at its lifetime).
 * Held jobs of a replica that stopped come back by this time; the replica that held them
 * promotes them at once when a relay answers. Not tied to RETRY_MAX_MS: a short cap would
 * cycle every held job through Redis (and through `queued`/`sending` in its view) that often.
 */
const HOLD_RECHECK_MS = 30_000;
/** Held jobs remembered for release (beyond it they come back at their recheck time). */
const MAX_REMEMBERED = 10_000;

/**
 * The redis driver's side of the relay-aware queue (issue 19), as LocalWorkers do it for the
 * local drivers: while every relay is known down, a job this replica takes is not attempted
 * and spends no attempt. It goes back to Redis as delayed (BullMQ's DelayedError: not a failed
 * attempt), is looked at again every 30 s or at the end of its lifetime, whichever is first,
 * and fails as `expired` once DELIVERY_LIFETIME is spent. When a relay answers again, the jobs
 * this replica held are promoted in the order held, and go out at DELIVERY_CONCURRENCY.
 */
export class RelayHold {
  private readonly held = new Set<string>();
  private unsubscribe?: () => void;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly promote: (id: string) => Promise<void>,
  ) {}

  /** True when no relay can take mail now: the caller must hand the job to hold(). */
  get active(): boolean {
    return !this.deliverer.available();
  }

  /** Never returns: the job is delayed in Redis (DelayedError) or failed as expired. */
  async hold(job: Job<JobData, JobResult>, token: string | undefined): Promise<never> {
    const progress = progressOf(job);
    const expired = this.deliverer.expiry(job.timestamp, progress.lastError);
    const now = Date.now();
    if (expired) {
      await job.updateProgress({ ...progress, lastError: expired, at: now } satisfies JobProgress);
      throw new UnrecoverableError(expired.message);
    }
    const lifetimeLeft = this.deliverer.lifetimeLeft(job.timestamp, now);
    const recheckAt = now + Math.max(0, Math.min(HOLD_RECHECK_MS, lifetimeLeft));
    await job.updateProgress({ ...progress, nextAttemptAt: undefined, at: now });
    await job.moveToDelayed(recheckAt, token);
    this.remember(job.id!);
    const { client, meta = {} } = job.data;
    this.deliverer.deferred({
      id: job.id!,
      client,
      meta,
      attempts: progress.attempts ?? job.attemptsMade,
      lastError: progress.lastError,
      acceptedAt: job.timestamp,
    });
    throw new DelayedError();
  }

  stop(): void {
    this.unsubscribe?.();
    this.held.clear();
  }

  private remember(id: string): void {
    if (this.held.size < MAX_REMEMBERED) this.held.add(id);
    if (this.unsubscribe) return;
    this.unsubscribe = this.deliverer.onAvailable(() => {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      const ids = [...this.held];
      this.held.clear();
      // One at a time, in the order held: the worker's concurrency paces the sends.
      void (async () => {
        for (const id of ids) await this.promote(id).catch(() => undefined);
      })();
    });
  }
}
