import type { Provider } from '@nestjs/common';
import { MAILER_OPTIONS, MailerService } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../config/mail.config';
import { buildMailerOptions } from './transport/mailer/mailer-options.factory';

/**
 * @nestjs-modules/mailer's MailerService for MailModule's transports only. MailerModule
 * registers it globally, which let any module inject it and send past the sender policy, the
 * queue and the email metrics (issue 21). Provided here, and not exported, it is invisible
 * outside MailModule: other modules inject MailClient.
 */
export const privateMailerProviders: Provider[] = [
  {
    provide: MAILER_OPTIONS,
    inject: [mailConfig.KEY],
    useFactory: (config: MailConfig) => buildMailerOptions(config),
  },
  MailerService,
];
