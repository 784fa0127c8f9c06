import { Logger, Module } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import { RedisConnections } from '../../redis/redis-connections';
import { EMAIL_QUOTA_REMAINING, QUOTA_STORE } from './quota.constants';
import { QuotaService } from './quota.service';
import { MemoryQuotaStore, RedisQuotaStore } from './quota-store';

const logger = new Logger('Quota');

/** Per-client quotas (CLIENT_QUOTAS): shared in Redis with the redis driver, else in memory. */
@Module({
  providers: [
    QuotaService,
    {
      provide: QUOTA_STORE,
      inject: [queueConfig.KEY, RedisConnections],
      useFactory: (queue: QueueConfig, redis: RedisConnections) =>
        queue.driver === 'redis'
          ? new RedisQuotaStore(redis.command(), redis.prefix)
          : new MemoryQuotaStore(),
    },
    // Read at scrape time from the shared counters: every replica reports the same value.
    makeGaugeProvider({
      name: EMAIL_QUOTA_REMAINING,
      help: 'Emails a client may still send in its tightest quota window (CLIENT_QUOTAS clients only).',
      labelNames: ['client'],
      inject: [QuotaService],
      async collect(this: Gauge, quotas: QuotaService) {
        for (const client of quotas.clients()) {
          try {
            const left = await quotas.remaining(client);
            if (left !== undefined) this.set({ client }, left);
          } catch (err) {
            logger.warn(`quota counters unreadable: ${(err as Error).message}`);
            return;
          }
        }
      },
    }),
  ],
  exports: [QuotaService],
})
export class QuotaModule {}
