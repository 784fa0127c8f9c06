import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
type ThrottleCommand = (key: string, ttlMs: number) => Promise<[number, number]>;

/**
 * Fixed window per key: the first hit of a window sets its expiry; a client over the limit
 * stays blocked until the window ends. One round trip, atomic across replicas.
 */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}
`;

/**
 * Rate-limit counters in Redis, so that replicas share one limit per client. When Redis
 * cannot be reached the request is let through (logged once per outage): losing the rate
 * limit for a moment is better than refusing all mail.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('mailwatchThrottle', { numberOfKeys: 1, lua: INCREMENT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration?: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const command = (this.redis as unknown as { mailwatchThrottle: ThrottleCommand })
        .mailwatchThrottle;
      const [hits, ttlMs] = await command.call(this.redis, `${this.prefix}:ratelimit:${key}`, ttl);
      this.failing = false;
      const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
      return {
        totalHits: hits,
        timeToExpire: seconds,
        isBlocked: hits > limit,
        timeToBlockExpire: hits > limit ? seconds : 0,
      };
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          `rate limit store unavailable, not limiting: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
