import { Global, Module } from '@nestjs/common';
import { RedisConnections } from './redis-connections';

/** Redis connections for whoever needs them (queue driver, idempotency, rate limits). */
@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
