import type { Redis } from 'ioredis';
import type { IdempotencyRecord, IdempotencyStore } from '../../../idempotency/idempotency-store';

/** Deletes the key only while it still holds this claim (a later owner's claim survives). */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Idempotency keys shared by every replica: SET NX with a TTL, so the first claim wins. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  async claim(
    scopedKey: string,
    record: IdempotencyRecord,
  ): Promise<IdempotencyRecord | undefined> {
    const key = this.key(scopedKey);
    const value = JSON.stringify(record);
    let set: string | null;
    try {
      set = await this.redis.set(key, value, 'EX', this.ttlSeconds, 'NX');
    } catch (err) {
      // Timed out, but a frozen Redis may still run the SET later and hold the key for an
      // email that is never queued (the client's retry would get 409). The release goes on
      // the same connection right behind it, so it runs after the SET whenever that runs.
      this.release(scopedKey, record).catch(() => undefined);
      throw err;
    }
    if (set === 'OK') return undefined;
    const held = await this.redis.get(key);
    // Expired between SET and GET: the claim is free again.
    if (held === null) return this.claim(scopedKey, record);
    return JSON.parse(held) as IdempotencyRecord;
  }

  async release(scopedKey: string, record: IdempotencyRecord): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key(scopedKey), JSON.stringify(record));
  }

  private key(scopedKey: string): string {
    return `${this.prefix}:idempotency:${scopedKey}`;
  }
}
