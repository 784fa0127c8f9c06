import type { Provider } from '@nestjs/common';
import { deliveryConfig, type DeliveryConfig } from '../../../config/delivery.config';
import { mailConfig, type MailConfig } from '../../../config/mail.config';
import { queueConfig, type QueueConfig, type QueueDriverName } from '../../../config/queue.config';
import { RedisConnections } from '../../../redis/redis-connections';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from '../../idempotency/idempotency-store';
import { DELIVERY_QUEUE } from '../../mail.constants';
import { Deliverer } from '../deliverer';
import type { DeliveryQueue } from './delivery-queue';
import { MemoryDeliveryQueue } from './memory/memory-delivery-queue';
import { MemoryIdempotencyStore } from './memory/memory-idempotency-store';
import { RedisDeliveryQueue } from './redis/redis-delivery-queue';
import { RedisIdempotencyStore } from './redis/redis-idempotency-store';
import { SpoolDeliveryQueue, SPOOL_CLOSE_GRACE_MS } from './spool/spool-delivery-queue';

/** What a driver's factory gets: everything a driver may need, built once by Nest. */
export interface QueueDriverDeps {
  deliverer: Deliverer;
  mail: MailConfig;
  queue: QueueConfig;
  delivery: DeliveryConfig;
  redis: RedisConnections;
}

/** A running driver: its queue, and idempotency keys kept where its emails live. */
export interface QueueDriver {
  queue: DeliveryQueue;
  idempotency: IdempotencyStore;
}

/**
 * QUEUE_DRIVER → driver: the only place a driver is chosen. Adding one is a folder beside
 * `spool/`, `memory/` and `redis/`, its name in QUEUE_DRIVERS (src/config/queue.config.ts) and a line
 * here. A factory runs only for the configured driver, so a memory deployment never opens
 * a Redis connection.
 */
export const QUEUE_DRIVER_FACTORIES: Record<
  QueueDriverName,
  (deps: QueueDriverDeps) => QueueDriver
> = {
  spool: ({ deliverer, mail, queue, delivery }) => {
    // Opens and locks SPOOL_PATH now: a bad or busy spool stops the start with one line.
    const spool = new SpoolDeliveryQueue(deliverer, mail, {
      path: queue.spoolPath,
      synchronous: queue.spoolSynchronous,
      idempotencyTtlMs: delivery.idempotencyTtlSeconds * 1000,
      closeGraceMs: SPOOL_CLOSE_GRACE_MS,
    });
    return { queue: spool, idempotency: spool.idempotency };
  },
  memory: ({ deliverer, mail, delivery }) => ({
    queue: new MemoryDeliveryQueue(deliverer, mail),
    // As many keys as emails can be held (waiting + retained): each key names one of them.
    idempotency: new MemoryIdempotencyStore(
      delivery.idempotencyTtlSeconds * 1000,
      mail.queueCapacity + mail.retentionMax,
    ),
  }),
  redis: ({ deliverer, mail, delivery, redis }) => ({
    queue: RedisDeliveryQueue.create(deliverer, redis, mail, delivery),
    idempotency: new RedisIdempotencyStore(
      redis.command(),
      redis.prefix,
      delivery.idempotencyTtlSeconds,
      redis.clock(),
      delivery.redisTimeoutMs,
    ),
  }),
};

const QUEUE_DRIVER = Symbol('QUEUE_DRIVER');

/** DELIVERY_QUEUE and IDEMPOTENCY_STORE, from the driver QUEUE_DRIVER names. */
export const queueDriverProviders: Provider[] = [
  {
    provide: QUEUE_DRIVER,
    inject: [Deliverer, mailConfig.KEY, queueConfig.KEY, deliveryConfig.KEY, RedisConnections],
    useFactory: (
      deliverer: Deliverer,
      mail: MailConfig,
      queue: QueueConfig,
      delivery: DeliveryConfig,
      redis: RedisConnections,
    ): QueueDriver =>
      QUEUE_DRIVER_FACTORIES[queue.driver]({ deliverer, mail, queue, delivery, redis }),
  },
  { provide: DELIVERY_QUEUE, inject: [QUEUE_DRIVER], useFactory: (d: QueueDriver) => d.queue },
  {
    provide: IDEMPOTENCY_STORE,
    inject: [QUEUE_DRIVER],
    useFactory: (d: QueueDriver) => d.idempotency,
  },
];
