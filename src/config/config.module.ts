import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';
import { deliveryConfig } from './delivery.config';
import { mailConfig } from './mail.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { securityConfig } from './security.config';
import { observabilityConfig } from './observability.config';
import { templatesConfig } from './templates.config';

/**
 * Typed configuration namespaces. Each namespace parses its variables when the app is
 * created, so a bad value fails start-up with a ConfigValidationError naming the variable.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: process.env.NODE_ENV === 'test',
      load: [
        appConfig,
        mailConfig,
        metricsConfig,
        queueConfig,
        securityConfig,
        deliveryConfig,
        templatesConfig,
        observabilityConfig,
      ],
    }),
  ],
})
export class AppConfigModule {}
