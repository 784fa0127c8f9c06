import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MailerModule } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { TemplatesModule } from '../templates/templates.module';
import { BatchSender } from './batch/batch-sender';
import { Deliverer } from './delivery/deliverer';
import { queueDriverProviders } from './delivery/drivers/queue-driver.factory';
import { QueueHealthIndicator } from './health/queue.health';
import { TransportHealthIndicator } from './health/transport.health';
import { MailController } from './mail.controller';
import { MailService } from './mail.service';
import { DELIVERY_QUEUE } from './mail.constants';
import { emailMetricProviders } from './metrics/email-metric.providers';
import { EmailMetrics } from './metrics/email-metrics';
import { MessagePolicy } from './policy/message-policy';
import { ReturnPaths } from './return-path/return-paths';
import { RecipientOutcomes } from './outcomes/recipient-outcomes';
import { buildMailerOptions } from './transport/mailer/mailer-options.factory';
import { transportProvider } from './transport/transport.factory';

/**
 * POST /send-email, GET /emails/:id, the delivery queue, the transports and the email
 * metrics. Exports MailService for other modules, the queue for shutdown, and its own
 * health indicators for /readyz.
 */
@Module({
  imports: [
    TemplatesModule,
    // HealthIndicatorService for the indicators this feature exports.
    TerminusModule,
    MailerModule.forRootAsync({
      inject: [mailConfig.KEY],
      useFactory: (config: MailConfig) => buildMailerOptions(config),
    }),
  ],
  controllers: [MailController],
  providers: [
    MailService,
    BatchSender,
    Deliverer,
    MessagePolicy,
    ReturnPaths,
    RecipientOutcomes,
    EmailMetrics,
    ...emailMetricProviders,
    ...queueDriverProviders,
    transportProvider,
    QueueHealthIndicator,
    TransportHealthIndicator,
  ],
  exports: [
    MailService,
    MessagePolicy,
    ReturnPaths,
    RecipientOutcomes,
    DELIVERY_QUEUE,
    QueueHealthIndicator,
    TransportHealthIndicator,
  ],
})
export class MailModule {}
