import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TemplatesModule } from '../templates/templates.module';
import { BacklogController } from './backlog/backlog.controller';
import { BacklogService } from './backlog/backlog.service';
import { BatchSender } from './batch/batch-sender';
import { Deliverer } from './delivery/deliverer';
import { queueDriverProviders } from './delivery/drivers/queue-driver.factory';
import { QueueHealthIndicator } from './health/queue.health';
import { TransportHealthIndicator } from './health/transport.health';
import { mailApiSchemasProvider } from './http/mail-api.schemas';
import { MailClient } from './mail-client';
import { MailController } from './mail.controller';
import { MailService } from './mail.service';
import { DELIVERY_QUEUE, MAIL_TRANSPORT } from './mail.constants';
import { emailMetricProviders } from './metrics/email-metric.providers';
import { EmailMetrics } from './metrics/email-metrics';
import { MessagePolicy } from './policy/message-policy';
import { privateMailerProviders } from './private-mailer.providers';
import { QuotaModule } from './quota/quota.module';
import { SuppressionModule } from './suppression/suppression.module';
import { WebhookModule } from './webhooks/webhook.module';
import { ReturnPaths } from './return-path/return-paths';
import { recipientOutcomeProviders } from './outcomes/recipient-outcome.providers';
import { RecipientOutcomes } from './outcomes/recipient-outcomes';
import { transportProvider } from './transport/transport.factory';

/**
 * POST /send-email, GET /emails/:id, the delivery queue, the transports and the email
 * metrics. Exports MailClient, the one way other modules send (MailerService stays private:
 * privateMailerProviders), the queue for shutdown, and its own health indicators for /readyz.
 */
@Module({
  imports: [
    TemplatesModule,
    // HealthIndicatorService for the indicators this feature exports.
    TerminusModule,
    SuppressionModule,
    QuotaModule,
    WebhookModule,
  ],
  controllers: [MailController, BacklogController],
  providers: [
    MailService,
    MailClient,
    ...privateMailerProviders,
    mailApiSchemasProvider,
    BatchSender,
    BacklogService,
    Deliverer,
    MessagePolicy,
    ReturnPaths,
    RecipientOutcomes,
    ...recipientOutcomeProviders,
    EmailMetrics,
    ...emailMetricProviders,
    ...queueDriverProviders,
    transportProvider,
    QueueHealthIndicator,
    TransportHealthIndicator,
  ],
  exports: [
    // Their SuppressionList and WebhookPublisher: bounces from src/ingress feed both.
    SuppressionModule,
    WebhookModule,
    MailClient,
    // The SMTP submission listener (src/ingress) sends through the same service as REST.
    MailService,
    MessagePolicy,
    ReturnPaths,
    RecipientOutcomes,
    DELIVERY_QUEUE,
    // The status page shows each relay's state (src/status).
    MAIL_TRANSPORT,
    QueueHealthIndicator,
    TransportHealthIndicator,
  ],
})
export class MailModule {}
