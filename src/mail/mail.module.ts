import { Module } from '@nestjs/common';
import { MailerModule } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { TemplatesModule } from '../templates/templates.module';
import { BatchSender } from './batch/batch-sender';
import { Deliverer } from './delivery/deliverer';
import { MemoryDeliveryQueue } from './delivery/memory-delivery-queue';
import { idempotencyProvider, queueProvider } from './delivery/queue.provider';
import { MailController } from './mail.controller';
import { MailService } from './mail.service';
import { buildMailerOptions } from './transport/mailer-options.factory';
import { transportProvider } from './transport/transport.provider';
import { DELIVERY_QUEUE, MAIL_TRANSPORT } from './mail.constants';

/** POST /send-email, GET /emails/:id, the delivery queue and the transports. */
@Module({
  imports: [
    TemplatesModule,
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
    MemoryDeliveryQueue,
    queueProvider,
    idempotencyProvider,
    transportProvider,
  ],
  exports: [MailService, DELIVERY_QUEUE, MAIL_TRANSPORT],
})
export class MailModule {}
