import type { MailerOptions } from '@nestjs-modules/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { MailConfig } from '../../../config/mail.config';
import { getNoDelaySocket } from './nodelay-socket';

/**
 * Options for @nestjs-modules/mailer: a pooled SMTP client when SMTP_URL is set, otherwise
 * nodemailer's stream transport, whose RFC 5322 output the outbox transport writes to disk.
 */
export function buildMailerOptions(config: MailConfig): MailerOptions {
  const defaults = { from: config.mailFrom };
  if (!config.smtp) {
    return {
      transport: { streamTransport: true, buffer: true, newline: 'windows' },
      defaults,
      verifyTransporters: false,
    };
  }
  const { smtp } = config;
  const transport: SMTPPool.Options & { allowInternalNetworkInterfaces: boolean } = {
    pool: true,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user === undefined ? undefined : { user: smtp.user, pass: smtp.password ?? '' },
    maxConnections: config.smtpPoolSize,
    maxMessages: Infinity,
    connectionTimeout: config.smtpTimeoutMs,
    greetingTimeout: config.smtpTimeoutMs,
    socketTimeout: config.smtpTimeoutMs,
    getSocket: getNoDelaySocket,
    // Otherwise nodemailer skips an address family whose only interface is internal
    // (loopback-only sandboxes, sidecar relays), failing to resolve a reachable host.
    allowInternalNetworkInterfaces: true,
    logger: false,
    debug: false,
  };
  return {
    transport,
    defaults,
    verifyTransporters: false,
  };
}
