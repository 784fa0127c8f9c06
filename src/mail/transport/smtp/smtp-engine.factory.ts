import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { MailConfig, RelaySettings } from '../../../config/mail.config';
import { EMAIL_ID_HEADER } from '../../mail.constants';
import { SmtpEngineTransport } from './smtp-engine';
import { engineOptions, type SmtpEngineOptions } from './smtp-options';

/** EHLO needs a name the relay accepts: the host's when it looks like a domain. */
function clientName(): string {
  const name = hostname();
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(name) ? name : 'localhost';
}

function relayOptions(config: MailConfig, relay: RelaySettings): SmtpEngineOptions {
  return engineOptions({
    host: relay.host,
    port: relay.port,
    secure: relay.secure,
    auth: relay.user === undefined ? undefined : { user: relay.user, pass: relay.password ?? '' },
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
    maxPerSecond: relay.maxPerSecond,
    conversationLog: config.smtpDebug,
  });
}

/**
 * The engine as configured by SMTP_URL (one relay or several in failover order) and the
 * SMTP_* variables. Private CAs are trusted the standard Node way (NODE_EXTRA_CA_CERTS);
 * certificates are always verified.
 */
export function createSmtpEngine(config: MailConfig): SmtpEngineTransport {
  const relays = config.smtpRelays;
  const engine = new SmtpEngineTransport(
    relays.map((relay) => ({ name: relay.name, options: relayOptions(config, relay) })),
    relays.map((r) => r.displayName).join(', '),
    EMAIL_ID_HEADER,
  );
  // One line per change, naming the relay as the operator did (never its host).
  const logger = new Logger('SmtpRelay');
  for (const relay of engine.relayList) {
    relay.onHealth = (up) =>
      up
        ? logger.log(`SMTP relay "${relay.name}" is up`)
        : logger.warn(
            relays.length > 1
              ? `SMTP relay "${relay.name}" is down; mail goes to the next relay while it is probed`
              : `SMTP relay "${relay.name}" is down; accepted emails wait while it is probed`,
          );
  }
  engine.startHealthProbe(config.smtpHealthIntervalMs);
  return engine;
}
