import { Logger, Module } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { dirname, join } from 'node:path';
import type { Gauge } from 'prom-client';
import { feedbackConfig, type FeedbackConfig } from '../../config/feedback.config';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import { RedisConnections } from '../../redis/redis-connections';
import { RedisWebhookOutbox } from './redis-webhook-outbox';
import { SqliteWebhookOutbox } from './sqlite-webhook-outbox';
import {
  EMAIL_WEBHOOK_BACKLOG,
  EMAIL_WEBHOOK_DELIVERIES_TOTAL,
  EMAIL_WEBHOOK_ENDPOINT_PAUSED,
  WEBHOOK_OUTCOMES,
} from './webhook.constants';
import { WebhookController } from './webhook.controller';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookPublisher } from './webhook-publisher';

const logger = new Logger('Webhooks');

/**
 * The outbox lives where the emails do: a SQLite file next to the spool, memory for the
 * memory driver, and Redis (shared by every replica) for the redis driver.
 */
function createOutbox(
  queue: QueueConfig,
  config: FeedbackConfig,
  redis: RedisConnections,
): WebhookOutbox {
  const { endpoints, outboxPath, maxAgeSeconds } = config.webhooks;
  if (endpoints.length === 0) return new SqliteWebhookOutbox(':memory:');
  if (queue.driver === 'redis')
    return new RedisWebhookOutbox(redis.command(), redis.prefix, maxAgeSeconds);
  if (outboxPath) return new SqliteWebhookOutbox(outboxPath);
  if (queue.driver === 'spool')
    return new SqliteWebhookOutbox(join(dirname(queue.spoolPath), 'webhooks.db'));
  return new SqliteWebhookOutbox(':memory:');
}

/** Signed webhook events (WEBHOOKS_FILE): durable outbox, dispatcher, status, metrics. */
@Module({
  controllers: [WebhookController],
  providers: [
    WebhookPublisher,
    WebhookDispatcher,
    {
      provide: WebhookOutbox,
      inject: [queueConfig.KEY, feedbackConfig.KEY, RedisConnections],
      useFactory: createOutbox,
    },
    makeCounterProvider({
      name: EMAIL_WEBHOOK_DELIVERIES_TOTAL,
      help: `Webhook delivery attempts by client and outcome (${WEBHOOK_OUTCOMES.join(', ')}).`,
      labelNames: ['client', 'outcome'],
    }),
    // Read at scrape time, like the queue gauges; the provider reuses a registered gauge, so
    // two apps in one process (tests) do not collide in the default registry.
    makeGaugeProvider({
      name: EMAIL_WEBHOOK_BACKLOG,
      help: 'Webhook events written and not yet delivered or given up, read at scrape time (with the redis driver: the shared outbox, the same on every replica).',
      inject: [WebhookOutbox],
      async collect(this: Gauge, outbox: WebhookOutbox) {
        try {
          this.set(await outbox.backlog());
        } catch (err) {
          logger.warn(`webhook outbox unreadable: ${(err as Error).message}`);
        }
      },
    }),
    makeGaugeProvider({
      name: EMAIL_WEBHOOK_ENDPOINT_PAUSED,
      help: 'Webhook endpoints of the client this replica has paused after failing for WEBHOOK_PAUSE_AFTER_SECONDS (events kept, one probe at a time).',
      labelNames: ['client'],
      inject: [WebhookDispatcher],
      collect(this: Gauge, dispatcher: WebhookDispatcher) {
        for (const [client, paused] of dispatcher.pausedByClient()) this.set({ client }, paused);
      },
    }),
  ],
  exports: [WebhookPublisher],
})
export class WebhookModule {}
