import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { MailConfig, RelaySettings } from '../../../config/mail.config';
import { EMAIL_ID_HEADER } from '../../mail.constants';
import { SmtpEngineTransport } from './smtp-engine';
import { engineOptions, type SmtpEngineOptions } from './smtp-options';
import type { RelayRefusal } from './smtp-relay';

/** The relay answers but refuses our configuration: say so, and what sends will do. */
const REFUSALS: Record<RelayRefusal, (name: string, code?: number | null) => string> = {
  auth: (name, code) =>
    `SMTP relay "${name}" refused our credentials (${code ?? 535}); sends will fail with code auth (check SMTP_URL's user and password)`,
  tls: (name) =>
    `SMTP relay "${name}" refused our TLS (handshake failed or its certificate is not trusted); sends will fail with code connection (check the relay's certificate or NODE_EXTRA_CA_CERTS)`,
};

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
    relay.onHealth = (up, refused, code) => {
      if (up) return logger.log(`SMTP relay "${relay.name}" is up`);
      if (refused) return logger.error(REFUSALS[refused](relay.name, code));
      logger.warn(
        relays.length > 1
          ? `SMTP relay "${relay.name}" is down; mail goes to the next relay while it is probed`
          : `SMTP relay "${relay.name}" is down; accepted emails wait while it is probed`,
      );
    };
  }
  engine.startHealthProbe(config.smtpHealthIntervalMs);
  return engine;
}
