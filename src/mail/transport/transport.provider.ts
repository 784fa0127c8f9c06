import { Logger, type Provider } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport } from './mail-transport';
import { OutboxTransport } from './outbox.transport';
import { SmtpTransport } from './smtp.transport';

/** SMTP when SMTP_URL is set, otherwise the outbox. */
export const transportProvider: Provider = {
  provide: MAIL_TRANSPORT,
  inject: [MailerService, mailConfig.KEY],
  useFactory: (mailer: MailerService, config: MailConfig): MailTransport => {
    const transport = config.smtp
      ? new SmtpTransport(mailer, config.smtp.displayName)
      : new OutboxTransport(mailer, config.outboxDir);
    new Logger('MailTransport').log(`delivering via ${transport.kind} (${transport.target})`);
    return transport;
  },
};
