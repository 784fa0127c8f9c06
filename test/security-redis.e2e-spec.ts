import Redis from 'ioredis';
import { RedisThrottlerStorage } from '../src/security/redis-throttler.storage';

const PREFIX = `mailwatch-security-test-${process.pid}`;

describe(RedisThrottlerStorage.name, () => {
  let redis: Redis;
  let sut: RedisThrottlerStorage;

  beforeAll(async () => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    await redis.ping().catch((err: unknown) => {
      throw new Error(`Redis at 127.0.0.1:6379 is needed for this test: ${String(err)}`);
    });
    sut = RedisThrottlerStorage.connect('redis://127.0.0.1:6379', PREFIX);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await sut.onModuleDestroy();
    await redis.quit();
  });

  it('counts hits per key in a fixed window and blocks past the limit', async () => {
    const results = [];
    for (let i = 0; i < 4; i++)
      results.push(await sut.increment('default:alpha', 1000, 3, 1000, 'default'));
    expect(results.map((r) => r.totalHits)).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, false, true]);
    expect(results[3].timeToBlockExpire).toBe(1);
    expect((await sut.increment('default:beta', 1000, 3, 1000, 'default')).totalHits).toBe(1);
    const ttl = await redis.pttl(`${PREFIX}:ratelimit:default:alpha`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
  });

  it('shares one count between two instances (replicas) and starts over after the window', async () => {
    const other = RedisThrottlerStorage.connect('redis://127.0.0.1:6379', PREFIX);
    try {
      await sut.increment('default:gamma', 300, 1, 300, 'default');
      expect((await other.increment('default:gamma', 300, 1, 300, 'default')).isBlocked).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await other.increment('default:gamma', 300, 1, 300, 'default')).totalHits).toBe(1);
    } finally {
      await other.onModuleDestroy();
    }
  });

  it('lets requests through when Redis is unreachable', async () => {
    const down = RedisThrottlerStorage.connect('redis://127.0.0.1:1', PREFIX);
    try {
      const record = await down.increment('default:delta', 1000, 1, 1000, 'default');
      expect(record.isBlocked).toBe(false);
    } finally {
      await down.onModuleDestroy();
    }
  });
});
