import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Deliverer } from '../../deliverer';
import type { SettledEmail } from '../../settled-email';
import type { JobData, JobResult } from './delivery-job';
import { progressOf } from './delivery-job';
import type { OutcomeNotices } from './outcome-notices';

/**
 * Marks each job (KEYS[i]) counted for this final transition (its `finishedOn`); returns per
 * job 1 = ours to count, 0 = already counted, 2 = the job is gone (removed by retention) —
 * count it, nobody else can. The claimer (ARGV[i]) is stored with it: a claim that ran but whose reply was lost (the
 * master died after replicating it) is retried, and must find itself, not "already counted".
 * Then the job's outcome notices (OutcomeNotices.channelsFor; ARGV after the claimers, three
 * per job: its own channel, its origin's channel or '', its id): no command of their own.
 */
const CLAIM_EACH = `
local verdicts = {}
local n = #KEYS
for i = 1, n do
  local verdict = 1
  local finished = redis.call('HGET', KEYS[i], 'finishedOn')
  if redis.call('EXISTS', KEYS[i]) == 0 then verdict = 2
  elseif not finished then verdict = 0
  elseif redis.call('HGET', KEYS[i], 'mwCounted') == finished then
    if redis.call('HGET', KEYS[i], 'mwCountedBy') ~= ARGV[i] then verdict = 0 end
  else
    redis.call('HSET', KEYS[i], 'mwCounted', finished, 'mwCountedBy', ARGV[i])
  end
  verdicts[i] = verdict
  local at = n + 3 * (i - 1)
  if ARGV[at + 1] and ARGV[at + 1] ~= '' then redis.call('PUBLISH', ARGV[at + 1], '') end
  if ARGV[at + 2] and ARGV[at + 2] ~= '' then redis.call('PUBLISH', ARGV[at + 2], ARGV[at + 3]) end
end
return verdicts`;

/** Claims sent in one call at most (their keys share the prefix's hash tag in a cluster). */
const CLAIM_BATCH = 200;

/**
 * The same for a batch of finished jobs, their keys declared (KEYS, one slot in a cluster:
 * the prefix's hash tag); returns the positions (1-based) of the claimed ones.
 */
const CLAIM_MANY = `
local claimed = {}
for i = 1, #KEYS do
  local finished = redis.call('HGET', KEYS[i], 'finishedOn')
  if finished and redis.call('HGET', KEYS[i], 'mwCounted') ~= finished then
    redis.call('HSET', KEYS[i], 'mwCounted', finished)
    table.insert(claimed, i)
  end
end
return claimed`;

/** This process, as a claimer (a retried claim recognises its own earlier success). */
const CLAIMER = randomUUID();

/** Jobs finished this recently are left to their own replica's event handler. */
const RECONCILE_AFTER_MS = 10_000;
const BATCH = 500;

/**
 * Counts each final outcome exactly once across replicas and crashes. BullMQ emits
 * `completed`/`failed` only in the replica that finished the job, after the move: a replica
 * killed between the two delivered the email but never counted it. So the count is claimed
 * on the job itself (a field holding the `finishedOn` it was counted for), and `reconcile()`
 * — at start and periodically — counts finished jobs nobody claimed. A re-driven dead letter
 * finishes again with a new `finishedOn`, so it is counted again, once.
 */
export class OutcomeLedger {
  private readonly logger = new Logger('RedisDeliveryQueue');

  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<JobData, JobResult>,
    private readonly deliverer: Deliverer,
    /** Other replicas' waiters hear of an outcome from its claim (OutcomeNotices). */
    private readonly notices?: Pick<OutcomeNotices, 'channelsFor'>,
  ) {}

  /** Counts the job's outcome unless another replica (or a reconcile) already did. */
  async settle(job: Job<JobData, JobResult>, status: 'sent' | 'failed'): Promise<void> {
    const outcome = this.outcomeOf(job, status);
    // The webhook event is durable (in Redis, idempotent) before the claim: never lost.
    await this.deliverer.announce(outcome);
    const claimer = `${CLAIMER}:${job.id!}:${job.finishedOn ?? ''}`;
    const notice = this.notices?.channelsFor(job.id!, job.data.origin) ?? ['', '', ''];
    const claimed = await this.claim(this.queue.toKey(job.id!), claimer, notice);
    if (claimed !== 0) this.deliverer.settled(outcome, true);
  }

  private pending: {
    key: string;
    claimer: string;
    notice: readonly string[];
    done: (v: number | Error) => void;
  }[] = [];
  private claiming = false;

  /**
   * One claim call at a time: claims made while one is on its way leave together when it
   * returns (issue 20: one EVAL per email before). A failed call fails each of its claims.
   */
  private claim(key: string, claimer: string, notice: readonly string[]): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = (v: number | Error) => (v instanceof Error ? reject(v) : resolve(v));
      this.pending.push({ key, claimer, notice, done });
      if (!this.claiming) void this.sendClaims();
    });
  }

  private async sendClaims(): Promise<void> {
    this.claiming = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, CLAIM_BATCH);
      try {
        const verdicts = (await this.redis.eval(
          CLAIM_EACH,
          batch.length,
          ...batch.map((c) => c.key),
          ...batch.map((c) => c.claimer),
          ...batch.flatMap((c) => c.notice),
        )) as number[];
        batch.forEach((c, i) => c.done(Number(verdicts[i])));
      } catch (err) {
        batch.forEach((c) => c.done(err as Error));
      }
    }
    this.claiming = false;
  }

  /** Counts finished jobs whose outcome was never counted (their replica died first). */
  async reconcile(): Promise<number> {
    const since = await this.ledgerSince();
    const before = Date.now() - RECONCILE_AFTER_MS;
    let counted = 0;
    for (const state of ['completed', 'failed'] as const) {
      const ids = await this.redis.zrangebyscore(this.queue.toKey(state), since, before);
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        const positions = (await this.redis.eval(
          CLAIM_MANY,
          batch.length,
          ...batch.map((id) => this.queue.toKey(id)),
        )) as number[];
        const claimed = positions.map((position) => batch[position - 1]);
        for (const id of claimed) {
          const job = await this.queue.getJob(id);
          if (job) this.count(job, state === 'completed' ? 'sent' : 'failed');
        }
        counted += claimed.length;
      }
    }
    if (counted > 0) {
      this.logger.warn(
        `counted ${counted} emails whose outcome a stopped replica had not counted (delivered or failed before it died)`,
      );
    }
    return counted;
  }

  /** Reports one final outcome to metrics, logs and webhooks. */
  count(job: Job<JobData, JobResult>, status: 'sent' | 'failed'): void {
    this.deliverer.settled(this.outcomeOf(job, status));
  }

  private outcomeOf(job: Job<JobData, JobResult>, status: 'sent' | 'failed'): SettledEmail {
    const progress = progressOf(job);
    const result = job.returnvalue as JobResult | null | undefined;
    return {
      id: job.id!,
      client: job.data.client,
      status,
      durationSeconds: Math.max(0, ((job.finishedOn ?? Date.now()) - job.timestamp) / 1000),
      attempts:
        status === 'sent'
          ? (result?.attempts ?? job.attemptsMade)
          : (progress.attempts ?? job.attemptsMade),
      meta: job.data.meta ?? {},
      error:
        status === 'failed'
          ? (progress.lastError ?? {
              code: 'unknown',
              smtpCode: null,
              message: job.failedReason ?? 'delivery failed',
              retryable: false,
            })
          : undefined,
      eventKey: job.finishedOn ? String(job.finishedOn) : undefined,
    };
  }

  /**
   * Jobs finished before the ledger existed were counted the old way: reconcile only from
   * the first start of a version that claims counts, so an upgrade does not count twice.
   */
  private async ledgerSince(): Promise<number> {
    const key = this.queue.toKey('mw-ledger-since');
    await this.redis.set(key, String(Date.now()), 'NX');
    return Number(await this.redis.get(key));
  }
}
