import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { MailConfig } from '../../../config/mail.config';
import { EMAIL_ID_HEADER } from '../../mail.constants';
import { SmtpEngineTransport } from './smtp-engine';
import { engineOptions } from './smtp-options';

/** EHLO needs a name the relay accepts: the host's when it looks like a domain. */
function clientName(): string {
  const name = hostname();
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(name) ? name : 'localhost';
}

/**
 * The engine as configured by SMTP_URL and the SMTP_* variables. Private CAs are trusted the
 * standard Node way (NODE_EXTRA_CA_CERTS); certificates are always verified.
 */
export function createSmtpEngine(config: MailConfig): SmtpEngineTransport {
  const smtp = config.smtp!;
  const engine = new SmtpEngineTransport(
    engineOptions({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user === undefined ? undefined : { user: smtp.user, pass: smtp.password ?? '' },
      starttls: config.smtpStarttls,
      clientName: clientName(),
      poolSize: config.smtpPoolSize,
      maxMessagesPerConnection: config.smtpMaxMessagesPerConnection,
      connectTimeoutMs: config.smtpTimeoutMs,
      greetingTimeoutMs: config.smtpTimeoutMs,
      commandTimeoutMs: config.smtpTimeoutMs,
      dataTimeoutMs: config.smtpTimeoutMs,
      attemptTimeoutMs: config.smtpAttemptTimeoutMs,
      probeMinMs: config.smtpProbeMinMs,
      probeMaxMs: config.smtpProbeMaxMs,
    }),
    smtp.displayName,
    EMAIL_ID_HEADER,
    config.smtpRelayName,
  );
  // One line per change, naming the relay as the operator did (never its host).
  const logger = new Logger('SmtpRelay');
  engine.onHealth = (up) =>
    up
      ? logger.log(`SMTP relay "${config.smtpRelayName}" is up`)
      : logger.warn(
          `SMTP relay "${config.smtpRelayName}" is down; accepted emails wait while it is probed`,
        );
  engine.startHealthProbe(config.smtpHealthIntervalMs);
  return engine;
}
