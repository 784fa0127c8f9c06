import { Module } from '@nestjs/common';
import { AppConfigModule } from './config/config.module';
import { CoreModule } from './core/core.module';
import { HealthModule } from './health/health.module';
import { IngressModule } from './ingress/ingress.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { SecurityModule } from './security/security.module';
import { LoggingModule } from './logging/logging.module';
import { RedisModule } from './redis/redis.module';
import { StatusModule } from './status/status.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    RedisModule,
    MetricsModule,
    CoreModule,
    SecurityModule,
    MailModule,
    IngressModule,
    HealthModule,
    StatusModule,
  ],
})
export class AppModule {}
