import type { Provider } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { queueConfig, type QueueConfig } from '../../config/queue.config';
import { RedisConnections } from '../../redis/redis-connections';
import { MemoryRecipientOutcomeStore } from './memory-recipient-outcome-store';
import { RedisRecipientOutcomeStore } from './redis-recipient-outcome-store';
import { RECIPIENT_OUTCOME_STORE, type RecipientOutcomeStore } from './recipient-outcome-store';
import { SqliteRecipientOutcomeStore } from './sqlite-recipient-outcome-store';

/** Outcomes are kept where the emails are: beside the spool, in Redis, or in memory. */
function createStore(
  queue: QueueConfig,
  mail: MailConfig,
  redis: RedisConnections,
): RecipientOutcomeStore {
  switch (queue.driver) {
    case 'redis':
      return new RedisRecipientOutcomeStore(redis.command(), redis.prefix, mail.retentionMs);
    case 'spool':
      return new SqliteRecipientOutcomeStore(
        queue.spoolPath === ':memory:'
          ? ':memory:'
          : join(dirname(queue.spoolPath), 'recipients.db'),
        mail.retentionMs,
      );
    default:
      return new MemoryRecipientOutcomeStore(mail.retentionMax);
  }
}

export const recipientOutcomeProviders: Provider[] = [
  {
    provide: RECIPIENT_OUTCOME_STORE,
    inject: [queueConfig.KEY, mailConfig.KEY, RedisConnections],
    useFactory: createStore,
  },
];
