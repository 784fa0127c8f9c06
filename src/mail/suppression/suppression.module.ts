import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { dirname, join } from 'node:path';
import { feedbackConfig, type FeedbackConfig } from '../../config/feedback.config';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import { RedisConnections } from '../../redis/redis-connections';
import { MemorySuppressionStore } from './memory-suppression-store';
import { RedisSuppressionStore } from './redis-suppression-store';
import { SqliteSuppressionStore } from './sqlite-suppression-store';
import { SuppressionController } from './suppression.controller';
import {
  EMAIL_SUPPRESSED_RECIPIENTS_TOTAL,
  EMAIL_SUPPRESSIONS_ADDED_TOTAL,
  SUPPRESSION_STORE,
} from './suppression.constants';
import { SuppressionList } from './suppression-list';
import { SUPPRESSION_SOURCES, type SuppressionStore } from './suppression-store';

/** The list is kept where the emails are: beside the spool, in Redis, or in memory. */
function createStore(
  queue: QueueConfig,
  config: FeedbackConfig,
  redis: RedisConnections,
): SuppressionStore {
  switch (queue.driver) {
    case 'redis':
      return new RedisSuppressionStore(redis.command(), redis.prefix);
    case 'spool':
      return new SqliteSuppressionStore(
        config.suppressionPath ?? join(dirname(queue.spoolPath), 'suppressions.db'),
      );
    default:
      return new MemorySuppressionStore();
  }
}

/** The suppression list, its API and metrics; exports SuppressionList for mail and ingress. */
@Module({
  controllers: [SuppressionController],
  providers: [
    SuppressionList,
    {
      provide: SUPPRESSION_STORE,
      inject: [queueConfig.KEY, feedbackConfig.KEY, RedisConnections],
      useFactory: createStore,
    },
    makeCounterProvider({
      name: EMAIL_SUPPRESSED_RECIPIENTS_TOTAL,
      help: 'Recipients refused before any relay saw them because they are on the suppression list, by client.',
      labelNames: ['client'],
    }),
    makeCounterProvider({
      name: EMAIL_SUPPRESSIONS_ADDED_TOTAL,
      help: `Additions to the suppression list, by source (${SUPPRESSION_SOURCES.join(', ')}).`,
      labelNames: ['source'],
    }),
  ],
  exports: [SuppressionList],
})
export class SuppressionModule {}
