import { ConfigType, registerAs } from '@nestjs/config';
import { EnvReader, type Environment } from './env-reader';
import { clusterSafePrefix, parseRedisTopology } from './redis-topology';

export const QUEUE_DRIVERS = ['spool', 'memory', 'redis'] as const;
export type QueueDriverName = (typeof QUEUE_DRIVERS)[number];
export const SPOOL_SYNCHRONOUS_MODES = ['full', 'normal'] as const;

/** The `queue` namespace from an environment; pure, so tests pass an object. */
export function parseQueueConfig(source: Environment) {
  const env = new EnvReader(source);
  const redisUrl = env.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
  const driver = env.oneOf<QueueDriverName>('QUEUE_DRIVER', QUEUE_DRIVERS, 'spool');
  const redisTopology = parseRedisTopology(env);
  return {
    driver,
    /**
     * Whether replicas share state in Redis (queue, idempotency keys, rate limits). Only the
     * drivers named here open a Redis connection at all.
     */
    redisEnabled: driver === 'redis',
    redisUrl: redisUrl?.toString() ?? 'redis://127.0.0.1:6379',
    /** One server, Sentinel or Cluster (src/config/redis-topology.ts). */
    redisTopology,
    redisPrefix: clusterSafePrefix(env.string('REDIS_PREFIX', 'mailwatch'), redisTopology),
    /**
     * Replicas that must hold an email before it is acknowledged (WAIT): a failover then
     * promotes a replica that has it. 1 by default with Sentinel or Cluster.
     */
    redisWaitReplicas: env.int('REDIS_WAIT_REPLICAS', redisTopology.kind === 'single' ? 0 : 1, {
      min: 0,
      max: 16,
    }),
    /** Start even when Redis may evict keys (maxmemory-policy other than noeviction). */
    redisAllowEviction: env.bool('REDIS_ALLOW_EVICTION', false),
    /** Shown in the start-up line instead of the URL, which may carry a password. */
    redisDisplayName: redisUrl
      ? `${redisUrl.protocol}//${redisUrl.host}${redisUrl.pathname === '/' ? '' : redisUrl.pathname}`
      : 'redis://127.0.0.1:6379',
    /** The spool driver's SQLite file (one process owns it). */
    spoolPath: env.string('SPOOL_PATH', './var/spool.db'),
    /** `full`: a commit survives a power cut; `normal`: a process crash (docs/spool.md). */
    spoolSynchronous: env.oneOf('SPOOL_SYNCHRONOUS', SPOOL_SYNCHRONOUS_MODES, 'full'),
  };
}

export const queueConfig = registerAs('queue', () => parseQueueConfig(process.env));

export type QueueConfig = ConfigType<typeof queueConfig>;
