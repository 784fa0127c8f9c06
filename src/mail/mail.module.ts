import { Module } from '@nestjs/common';
import { MailerModule } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { Deliverer } from './delivery/deliverer';
import { MemoryDeliveryQueue } from './delivery/memory-delivery-queue';
import { queueProvider } from './delivery/queue.provider';
import { MailController } from './mail.controller';
import { MailService } from './mail.service';
import { buildMailerOptions } from './transport/mailer-options.factory';
import { transportProvider } from './transport/transport.provider';
import { DELIVERY_QUEUE, MAIL_TRANSPORT } from './mail.constants';

/** POST /send-email, GET /emails/:id, the delivery queue and the transports. */
@Module({
  imports: [
    MailerModule.forRootAsync({
      inject: [mailConfig.KEY],
      useFactory: (config: MailConfig) => buildMailerOptions(config),
    }),
  ],
  controllers: [MailController],
  providers: [MailService, Deliverer, MemoryDeliveryQueue, queueProvider, transportProvider],
  exports: [MailService, DELIVERY_QUEUE, MAIL_TRANSPORT],
})
export class MailModule {}
