import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { deliveryConfig, type DeliveryConfig } from '../config/delivery.config';
import { queueConfig, type QueueConfig } from '../config/queue.config';
import { checkEvictionPolicy } from './eviction-policy';
import { RedisClock } from './redis-clock';
import { createRedisConnection } from './redis-connection.factory';

/**
 * The one place Redis connections are made (REDIS_URL, REDIS_TIMEOUT_MS). The command
 * connection is shared by the redis queue's producer, the idempotency store and the rate
 * limiter; blocking connections are made per BullMQ reader. Nothing connects until asked,
 * so a memory deployment never opens a socket to Redis.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private shared?: Redis;
  private sharedClock?: RedisClock;
  private readonly opened: Redis[] = [];
  private lastErrorLog = 0;

  constructor(
    @Inject(queueConfig.KEY) private readonly queue: QueueConfig,
    @Inject(deliveryConfig.KEY) private readonly delivery: DeliveryConfig,
  ) {}

  /** Whether this deployment keeps shared state in Redis (QUEUE_DRIVER=redis). */
  get enabled(): boolean {
    return this.queue.redisEnabled;
  }

  /** Key prefix of everything mailwatch stores (REDIS_PREFIX). */
  get prefix(): string {
    return this.queue.redisPrefix;
  }

  /** Replicas that must hold an email before it is acknowledged (REDIS_WAIT_REPLICAS). */
  get waitReplicas(): number {
    return this.queue.redisWaitReplicas;
  }

  /** The shared, bounded command connection (see createRedisConnection). */
  command(): Redis {
    this.shared ??= this.open('command', 'mailwatch-producer');
    return this.shared;
  }

  /** The Redis server's clock as seen through the command connection (see RedisClock). */
  clock(): RedisClock {
    this.sharedClock ??= new RedisClock(this.command());
    return this.sharedClock;
  }

  /**
   * Refuses (throws EvictingRedisError) a Redis that may evict keys, unless
   * REDIS_ALLOW_EVICTION: BullMQ's jobs and our idempotency keys would vanish silently.
   */
  async checkEvictionPolicy(): Promise<void> {
    const policy = await checkEvictionPolicy(this.command(), this.queue.redisAllowEviction);
    if (policy === undefined) {
      this.logger.warn('Redis maxmemory-policy could not be read (CONFIG and INFO refused)');
    } else if (policy !== 'noeviction') {
      this.logger.warn({ msg: 'Redis may evict queued emails (REDIS_ALLOW_EVICTION)', policy });
    }
  }

  /** A new connection for a blocking reader (BullMQ worker, queue events). */
  blocking(name: string): Redis {
    return this.open('blocking', name);
  }

  /**
   * After every module's onModuleDestroy, so BullMQ objects built on these connections are
   * closed first.
   */
  onApplicationShutdown(): void {
    this.opened.forEach((connection) => connection.disconnect());
    this.opened.length = 0;
    this.shared = undefined;
    this.sharedClock = undefined;
  }

  private open(kind: 'command' | 'blocking', name: string): Redis {
    // A Cluster offers the same command API as one Redis (keys routed by slot); typed as
    // one Redis so that the users of a connection need not care which it is.
    const connection = createRedisConnection(
      {
        url: this.queue.redisUrl,
        topology: this.queue.redisTopology,
        timeoutMs: this.delivery.redisTimeoutMs,
      },
      kind,
      name,
    ) as Redis;
    connection.on('error', (err: Error) => this.logError(name, err));
    connection.on('end', () =>
      this.logger.warn({ msg: 'redis connection ended', connection: name }),
    );
    this.opened.push(connection);
    return connection;
  }

  /** An outage makes every connection complain on each reconnect: log once every 5 s. */
  private logError(source: string, err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 5_000) return;
    this.lastErrorLog = now;
    this.logger.warn(`redis ${source}: ${err.message}`);
  }
}
