import { Module } from '@nestjs/common';
import { AppConfigModule } from './config/config.module';
import { CoreModule } from './core/core.module';
import { HealthModule } from './health/health.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';

@Module({
  imports: [AppConfigModule, MetricsModule, CoreModule, MailModule, HealthModule],
})
export class AppModule {}
