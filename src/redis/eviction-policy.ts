import { Cluster, type Redis } from 'ioredis';

/** Thrown at start-up when Redis may evict keys (jobs) and no override says that is fine. */
export class EvictingRedisError extends Error {
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is ${policy}: it may evict queued emails under memory pressure; ` +
        `set it to noeviction (BullMQ requires it), or REDIS_ALLOW_EVICTION=true to accept the risk`,
    );
    this.name = 'EvictingRedisError';
  }
}

/**
 * The server's maxmemory-policy: CONFIG GET, or INFO where CONFIG is refused (managed Redis
 * services rename or forbid it). Undefined when neither answers it.
 */
export async function readMaxmemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    if (reply.length >= 2) return reply[1];
  } catch {
    // Refused (NOPERM, unknown command): INFO below.
  }
  const info = await redis.info('memory');
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/** The policy read (every master's in a cluster), or why start-up must stop (EvictingRedisError). */
export async function checkEvictionPolicy(
  redis: Redis,
  allowEviction: boolean,
): Promise<string | undefined> {
  const client = redis as unknown;
  const nodes = client instanceof Cluster ? client.nodes('master') : [redis];
  let policy: string | undefined;
  for (const node of nodes) {
    policy = await readMaxmemoryPolicy(node);
    if (policy !== undefined && policy !== 'noeviction' && !allowEviction) {
      throw new EvictingRedisError(policy);
    }
  }
  return policy;
}
