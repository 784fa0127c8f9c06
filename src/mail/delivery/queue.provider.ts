import type { Provider } from '@nestjs/common';
import { deliveryConfig, type DeliveryConfig } from '../../config/delivery.config';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import { QueueDepth } from '../../metrics/queue-depth';
import { IDEMPOTENCY_STORE } from '../idempotency/idempotency-store';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store';
import { RedisIdempotencyStore } from '../idempotency/redis-idempotency-store';
import { DELIVERY_QUEUE } from '../mail.constants';
import type { DeliveryQueue } from './delivery-queue';
import { Deliverer } from './deliverer';
import { MemoryDeliveryQueue } from './memory-delivery-queue';
import { RedisDeliveryQueue } from './redis/redis-delivery-queue';

/**
 * The delivery queue driver chosen by QUEUE_DRIVER. The redis driver is built here rather
 * than as a class provider so that a memory deployment never opens a Redis connection.
 */
export const queueProvider: Provider = {
  provide: DELIVERY_QUEUE,
  inject: [
    MemoryDeliveryQueue,
    QueueDepth,
    Deliverer,
    mailConfig.KEY,
    queueConfig.KEY,
    deliveryConfig.KEY,
  ],
  useFactory: (
    memory: MemoryDeliveryQueue,
    depth: QueueDepth,
    deliverer: Deliverer,
    mail: MailConfig,
    queue: QueueConfig,
    delivery: DeliveryConfig,
  ): DeliveryQueue => {
    if (queue.driver === 'redis') {
      const redis = new RedisDeliveryQueue(deliverer, mail, queue, delivery);
      depth.setSizeReader(() => redis.size());
      depth.setStatesReader(() => redis.states());
      return redis;
    }
    depth.setSizeReader(() => memory.pendingCount());
    return memory;
  },
};

/** Idempotency keys live where the driver's emails live: Redis for redis, memory for memory. */
export const idempotencyProvider: Provider = {
  provide: IDEMPOTENCY_STORE,
  inject: [DELIVERY_QUEUE, queueConfig.KEY, deliveryConfig.KEY],
  useFactory: (deliveryQueue: DeliveryQueue, queue: QueueConfig, delivery: DeliveryConfig) =>
    deliveryQueue instanceof RedisDeliveryQueue
      ? new RedisIdempotencyStore(
          deliveryQueue.connection,
          queue.redisPrefix,
          delivery.idempotencyTtlSeconds,
        )
      : new MemoryIdempotencyStore(delivery.idempotencyTtlSeconds * 1000),
};
