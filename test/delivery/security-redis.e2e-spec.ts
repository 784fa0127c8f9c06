import Redis from 'ioredis';
import { once } from 'node:events';
import { createRedisConnection } from '../../src/redis/redis-connection.factory';
import { RedisThrottlerStorage } from '../../src/security/redis-throttler.storage';

const PREFIX = `mailwatch-security-test-${process.pid}`;

/** A storage on its own command connection, as src/redis builds it for the app. */
function connect(
  url: string,
): RedisThrottlerStorage & { close(): void; ready(): Promise<unknown> } {
  const connection = createRedisConnection(
    { url, topology: { kind: 'single' }, timeoutMs: 2000 },
    'command',
    'test',
  ) as Redis;
  connection.on('error', () => undefined);
  return Object.assign(new RedisThrottlerStorage(connection, PREFIX), {
    close: () => connection.disconnect(),
    // Asked for, not made up front: `once` rejects on the connection's first error, which an
    // unreachable Redis emits (unawaited, that rejection would fail the test run).
    ready: () => once(connection, 'ready'),
  });
}

describe(RedisThrottlerStorage.name, () => {
  let redis: Redis;
  let sut: ReturnType<typeof connect>;

  beforeAll(async () => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    await redis.ping().catch((err: unknown) => {
      throw new Error(`Redis at 127.0.0.1:6379 is needed for this test: ${String(err)}`);
    });
    sut = connect('redis://127.0.0.1:6379');
    await sut.ready();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    sut.close();
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
    const other = connect('redis://127.0.0.1:6379');
    try {
      await other.ready();
      await sut.increment('default:gamma', 300, 1, 300, 'default');
      expect((await other.increment('default:gamma', 300, 1, 300, 'default')).isBlocked).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await other.increment('default:gamma', 300, 1, 300, 'default')).totalHits).toBe(1);
    } finally {
      other.close();
    }
  });

  it('lets requests through when Redis is unreachable', async () => {
    const down = connect('redis://127.0.0.1:1');
    try {
      const record = await down.increment('default:delta', 1000, 1, 1000, 'default');
      expect(record.isBlocked).toBe(false);
    } finally {
      down.close();
    }
  });
});
