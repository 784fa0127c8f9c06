import type { Redis } from 'ioredis';
import type { RedisClock } from '../../../../redis/redis-clock';
import type { IdempotencyRecord, IdempotencyStore } from '../../../idempotency/idempotency-store';
import { QueueUnavailableError } from '../queue-errors';

/**
 * SET NX with a TTL, only while the server's clock is within ARGV[3]: a claim that a frozen
 * Redis runs after its caller gave up (503) must not hold the key for an email never queued.
 * Returns 1 (claimed), the held record, or -1 (too late: nothing was written).
 */
const CLAIM_SCRIPT = `
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[3]) then return -1 end
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 1 end
return redis.call('GET', KEYS[1])`;

/** Deletes the key only while it still holds this claim (a later owner's claim survives). */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Releases kept for a retry at most (an outage's worth of refused keyed requests). */
const PENDING_MAX = 10_000;
const RETRY_RELEASES_MS = 500;

/** Idempotency keys shared by every replica: the first claim wins, for the key's TTL. */
export class RedisIdempotencyStore implements IdempotencyStore {
  /**
   * Releases that failed (Redis down or failing over after the claim was written): retried
   * until they run, and always sent before a new claim of the same key from this replica,
   * so the client's retry is not told "already used" for an email never queued.
   */
  private readonly pending = new Map<string, string>();
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly clock: RedisClock,
    private readonly timeoutMs: number,
  ) {}

  async claim(
    scopedKey: string,
    record: IdempotencyRecord,
  ): Promise<IdempotencyRecord | undefined> {
    const value = JSON.stringify(record);
    const owed = this.pending.get(scopedKey);
    if (owed !== undefined) this.sendRelease(scopedKey, owed);
    let answer: unknown;
    try {
      // Plain EVAL, so nothing is re-sent out of order after a NOSCRIPT.
      answer = await this.redis.eval(
        CLAIM_SCRIPT,
        1,
        this.key(scopedKey),
        value,
        this.ttlSeconds,
        this.clock.deadline(this.timeoutMs),
      );
    } catch (err) {
      // Timed out after the server ran it in time (a slow reply): the release goes on the
      // same connection right behind it, so it runs after the claim (or is retried).
      this.release(scopedKey, record).catch(() => undefined);
      throw err;
    }
    if (answer === 1) return undefined;
    if (answer === -1) {
      this.clock.refresh(true);
      throw new QueueUnavailableError('idempotency store answered too late; nothing was queued', 5);
    }
    return JSON.parse(String(answer)) as IdempotencyRecord;
  }

  async release(scopedKey: string, record: IdempotencyRecord): Promise<void> {
    const value = JSON.stringify(record);
    try {
      await this.redis.eval(RELEASE_SCRIPT, 1, this.key(scopedKey), value);
    } catch (err) {
      this.owe(scopedKey, value);
      throw err;
    }
  }

  private owe(scopedKey: string, value: string): void {
    if (this.pending.size >= PENDING_MAX) return;
    this.pending.set(scopedKey, value);
    this.retryTimer ??= setInterval(() => {
      for (const [key, owed] of this.pending) this.sendRelease(key, owed);
    }, RETRY_RELEASES_MS).unref();
  }

  /** Sent now (ordered before whatever this replica sends next); forgotten once it ran. */
  private sendRelease(scopedKey: string, value: string): void {
    this.redis.eval(RELEASE_SCRIPT, 1, this.key(scopedKey), value).then(
      () => {
        if (this.pending.get(scopedKey) === value) this.pending.delete(scopedKey);
        if (this.pending.size === 0) {
          clearInterval(this.retryTimer);
          this.retryTimer = undefined;
        }
      },
      () => undefined,
    );
  }

  private key(scopedKey: string): string {
    return `${this.prefix}:idempotency:${scopedKey}`;
  }
}
