import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisClock } from '../../../../redis/redis-clock';
import type { JobData, JobResult } from './delivery-job';
import type { DuplicateFlags } from './duplicate-flags';
import type { RedisBounds } from './redis-bounds';

/**
 * The fence of one job id. Within its deadline (server clock) it answers 1 and changes
 * nothing. Past it, the id is withdrawn: a job still waiting is taken off the wait list and
 * deleted, and a marker hash is left under the job's key, so an add that runs later (behind
 * on a frozen connection, or re-sent as EVAL after NOSCRIPT) finds the id taken and adds
 * nothing (BullMQ ignores an add whose job id exists). Returns 0 when nothing will be sent,
 * -1 when a worker already holds the job (it goes out: a refusal that could not be kept).
 * KEYS: job hash, wait list, job lock. ARGV: deadline ms (0 = now), job id, marker TTL ms.
 */
const FENCE = `
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) <= tonumber(ARGV[1]) then return 1 end
if redis.call('HEXISTS', KEYS[1], 'mwWithdrawn') == 0 then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('LREM', KEYS[2], 1, ARGV[2]) == 0 then
      return -1
    end
    redis.call('DEL', KEYS[1])
  end
  redis.call('HSET', KEYS[1], 'mwWithdrawn', '1')
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0`;

/** Long enough for any add still behind the fence to run into the marker. */
const MARKER_TTL_MS = 600_000;
/** Withdrawals Redis did not answer, retried this often until it does (or the app stops). */
const WITHDRAW_RETRY_MS = 500;
/** How long a request whose add missed its bound waits to learn whether a worker took it. */
const WITHDRAW_WAIT_MS = 250;
/** More unanswered withdrawals than this are not kept: each is logged as it is dropped. */
const WITHDRAW_PENDING_MAX = 10_000;

/**
 * "503 means nothing was queued" for the redis driver. A timed-out add may still run when a
 * frozen Redis wakes up, and a worker can take the job before a removal sent after it
 * (Redis serves other connections between chunks of a long backlog): found under load
 * with 6 s freezes. So every add is preceded, on the same connection, by a fence with a
 * deadline: an add that would run too late to be answered in time runs into a withdrawn id
 * instead. Plain EVAL, never EVALSHA: a NOSCRIPT retry would be sent after the add.
 */
export class Admission {
  /** Ids whose withdrawal Redis did not answer (connection lost or frozen). */
  private readonly unanswered = new Set<string>();
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<JobData, JobResult>,
    private readonly clock: RedisClock,
    private readonly flags: DuplicateFlags,
  ) {}

  /**
   * Sends the fence now, before the caller's add; resolves true when the add behind it may
   * run, false when the server saw it too late (the add behind it then adds nothing).
   */
  admit(jobId: string, boundMs: number): Promise<boolean> {
    return this.fence(jobId, this.clock.deadline(boundMs)).then((verdict) => {
      // Answered in time, yet late on the server's clock: our estimate of it is off.
      if (verdict !== 1) this.clock.refresh(true);
      return verdict === 1;
    });
  }

  /** At shutdown: what is still unanswered cannot be told any more; said, not dropped silently. */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const jobId of this.unanswered) {
      this.possibleDuplicate(jobId, 'Redis had not answered its withdrawal at shutdown');
    }
    this.unanswered.clear();
  }

  private retryLater(jobId: string): void {
    if (this.unanswered.size >= WITHDRAW_PENDING_MAX) {
      this.possibleDuplicate(jobId, 'Redis did not answer its withdrawal');
      return;
    }
    this.unanswered.add(jobId);
    this.retryTimer ??= setTimeout(() => void this.retryUnanswered(), WITHDRAW_RETRY_MS).unref();
  }

  private async retryUnanswered(): Promise<void> {
    for (const jobId of [...this.unanswered]) {
      try {
        await this.withdrawNow(jobId);
        this.unanswered.delete(jobId);
      } catch {
        break; // Still no answer: the rest wait for the next round.
      }
    }
    this.retryTimer =
      this.unanswered.size > 0
        ? setTimeout(() => void this.retryUnanswered(), WITHDRAW_RETRY_MS).unref()
        : undefined;
  }

  /**
   * After an add that missed its bound: withdraws the id if Redis answers within `waitMs`,
   * and says what happened — 0: nothing will be sent; -1: a worker already holds the job, it
   * goes out (the add did run: the reply was late on this side, e.g. an event loop busy past
   * the bound under load — CI caught one such 503 whose email was delivered). Undefined when
   * Redis did not answer in time: the withdrawal carries on, and one that gets no answer at all
   * (the connection dropped after the add may have reached Redis, e.g. a Redis killed after
   * writing its append-only file but before replying) is retried until Redis answers, so an
   * add that did land is still taken back — or, when a worker got it first, logged as a
   * possible duplicate — never sent unseen.
   */
  async withdrawSoon(jobId: string, waitMs: number): Promise<number | undefined> {
    let late = false;
    const verdict = this.fence(jobId, 0).then(
      (answer) => {
        if (late && answer === -1) this.possibleDuplicate(jobId, 'a worker had already taken it');
        return answer;
      },
      () => {
        this.retryLater(jobId);
        return undefined;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        late = true;
        resolve(undefined);
      }, waitMs);
    });
    try {
      return await Promise.race([verdict, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A job whose add missed its bound, when a worker had taken it already: the caller accepts
   * it instead of answering 503 (a frozen Redis still gets its 503 within about
   * REDIS_TIMEOUT_MS + WITHDRAW_WAIT_MS). Undefined when it was withdrawn, or when it cannot
   * be read back — then logged as a possible duplicate.
   */
  async takenAfterAll(
    jobId: string,
    bounds: RedisBounds,
  ): Promise<Job<JobData, JobResult> | undefined> {
    if ((await this.withdrawSoon(jobId, WITHDRAW_WAIT_MS)) !== -1) return undefined;
    const job = await bounds.run(this.queue.getJob(jobId)).catch(() => undefined);
    if (!job) this.possibleDuplicate(jobId, 'a worker had already taken it');
    return job ?? undefined;
  }

  /** Withdraws the id; 0 = nothing will be sent, -1 = a worker holds it and it goes out. */
  async withdrawNow(jobId: string): Promise<number> {
    const verdict = await this.fence(jobId, 0);
    if (verdict === -1) this.possibleDuplicate(jobId, 'a worker had already taken it');
    return verdict;
  }

  /**
   * A refused email that may go out anyway: a client retrying the 503 sends it twice. Only
   * where Redis could not tell (a master lost mid-write), or a reply slower than the margin.
   */
  possibleDuplicate(jobId: string, why: string): void {
    this.flags.refused(jobId, why);
  }

  private async fence(jobId: string, deadline: number): Promise<number> {
    const jobKey = this.queue.toKey(jobId);
    const verdict = await this.redis.eval(
      FENCE,
      3,
      jobKey,
      this.queue.toKey('wait'),
      `${jobKey}:lock`,
      deadline,
      jobId,
      MARKER_TTL_MS,
    );
    return Number(verdict);
  }
}
