import { Logger, Module } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { dirname, join } from 'node:path';
import type { Gauge } from 'prom-client';
import { feedbackConfig, type FeedbackConfig } from '../../config/feedback.config';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import {
  EMAIL_WEBHOOK_BACKLOG,
  EMAIL_WEBHOOK_DELIVERIES_TOTAL,
  WEBHOOK_OUTCOMES,
} from './webhook.constants';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookPublisher } from './webhook-publisher';

const logger = new Logger('Webhooks');

/**
 * The outbox lives beside the emails: a SQLite file next to the spool, memory for the memory
 * driver. The redis driver keeps it in a SQLite file per replica (WEBHOOK_OUTBOX_PATH, default
 * ./var/webhooks.db): durable with a volume, not shared (README, "Webhooks").
 */
function outboxPath(queue: QueueConfig, config: FeedbackConfig): string {
  if (config.webhooks.endpoints.length === 0) return ':memory:';
  if (config.webhooks.outboxPath) return config.webhooks.outboxPath;
  if (queue.driver === 'memory') return ':memory:';
  if (queue.driver === 'spool') return join(dirname(queue.spoolPath), 'webhooks.db');
  return './var/webhooks.db';
}

/** Signed webhook events (WEBHOOKS_FILE): durable outbox, dispatcher, metrics. */
@Module({
  providers: [
    WebhookPublisher,
    WebhookDispatcher,
    {
      provide: WebhookOutbox,
      inject: [queueConfig.KEY, feedbackConfig.KEY],
      useFactory: (queue: QueueConfig, config: FeedbackConfig) =>
        new WebhookOutbox(outboxPath(queue, config)),
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
      help: 'Webhook events written and not yet delivered or given up, read at scrape time.',
      inject: [WebhookOutbox],
      collect(this: Gauge, outbox: WebhookOutbox) {
        try {
          this.set(outbox.backlog());
        } catch (err) {
          logger.warn(`webhook outbox unreadable: ${(err as Error).message}`);
        }
      },
    }),
  ],
  exports: [WebhookPublisher],
})
export class WebhookModule {}
