import { Logger, type Provider } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport } from './mail-transport';
import { MailerTransport } from './mailer/mailer.transport';
import { OutboxTransport } from './outbox/outbox.transport';

/** What a transport's factory gets. */
export interface TransportDeps {
  config: MailConfig;
  /** @nestjs-modules/mailer's service (nodemailer), for transports built on it. */
  mailer: MailerService;
}

/**
 * Transport name → factory: the only place a transport is built. Adding one is a folder
 * beside `mailer/` and `outbox/` (its options and its error classification), a line here,
 * and its condition in `transportNameFor`.
 */
export const TRANSPORT_FACTORIES = {
  mailer: ({ mailer, config }: TransportDeps): MailTransport =>
    new MailerTransport(mailer, config.smtp!.displayName),
  outbox: ({ mailer, config }: TransportDeps): MailTransport =>
    new OutboxTransport(mailer, config.outboxDir),
} satisfies Record<string, (deps: TransportDeps) => MailTransport>;

export type TransportName = keyof typeof TRANSPORT_FACTORIES;

/** SMTP (through the nodemailer pool) when SMTP_URL is set, otherwise the outbox. */
export function transportNameFor(config: MailConfig): TransportName {
  return config.smtp ? 'mailer' : 'outbox';
}

export const transportProvider: Provider = {
  provide: MAIL_TRANSPORT,
  inject: [MailerService, mailConfig.KEY],
  useFactory: (mailer: MailerService, config: MailConfig): MailTransport => {
    const transport = TRANSPORT_FACTORIES[transportNameFor(config)]({ mailer, config });
    new Logger('MailTransport').log(`delivering via ${transport.kind} (${transport.target})`);
    return transport;
  },
};
