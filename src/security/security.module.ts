import { Global, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { securityConfig, type SecurityConfig } from '../config/security.config';
import { RedisConnections } from '../redis/redis-connections';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys';
import { ClientThrottlerGuard } from './client-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { RATE_LIMIT_STORAGE } from './security.constants';

/** Where rate-limit counters live: Redis when replicas share state there, else memory. */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [RedisConnections],
      useFactory: (redis: RedisConnections): ThrottlerStorage =>
        redis.enabled
          ? new RedisThrottlerStorage(redis.command(), redis.prefix)
          : new ThrottlerStorageService(),
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
class RateLimitStorageModule {}

/**
 * API keys and per-client rate limits (issue 5; the sending policy lives with the mail feature). Guards are global and
 * run in this order: ApiKeyGuard (who is calling), then ClientThrottlerGuard (how often).
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [securityConfig.KEY, RATE_LIMIT_STORAGE],
      useFactory: (config: SecurityConfig, storage: ThrottlerStorage) => ({
        throttlers: [{ name: 'default', limit: config.rateLimit, ttl: config.rateLimitWindowMs }],
        storage,
        errorMessage: `rate limit exceeded: at most ${config.rateLimit} requests per ${config.rateLimitWindowMs} ms per client`,
      }),
    }),
  ],
  providers: [
    ApiKeys,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ClientThrottlerGuard },
  ],
  exports: [ApiKeys],
})
export class SecurityModule implements OnModuleInit {
  private readonly logger = new Logger('Security');

  constructor(@Inject(securityConfig.KEY) private readonly config: SecurityConfig) {}

  onModuleInit(): void {
    if (this.config.apiKeys.length === 0) {
      this.logger.warn(
        'API_KEYS / API_KEYS_FILE not set: the API is open and trusts X-Client-ID (dev mode). Configure keys before exposing it.',
      );
    }
  }
}
