import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';
import { parseRelays, RELAY_NAME, type RelaySettings } from './smtp-relays';

export type { RelaySettings, SmtpSettings } from './smtp-relays';

/** Which SMTP client delivers when SMTP_URL is set (README, "Delivery engine"). */
export const SMTP_TRANSPORTS = ['engine', 'mailer'] as const;
export const STARTTLS_POLICIES = ['opportunistic', 'required', 'never'] as const;

function relayName(env: EnvReader): string {
  const name = env.string('SMTP_RELAY_NAME', 'primary');
  if (!RELAY_NAME.test(name)) {
    throw new ConfigValidationError(
      'SMTP_RELAY_NAME',
      'must be 1-32 lowercase letters, digits, "_" or "-", starting with a letter',
      name,
    );
  }
  return name;
}

/** While a relay is down it is probed after min, doubling up to max (README, "Relay outages"). */
function relayProbe(env: EnvReader) {
  const smtpProbeMinMs = env.int('SMTP_PROBE_MIN_MS', 500, { min: 10, max: 3_600_000 });
  const smtpProbeMaxMs = env.int('SMTP_PROBE_MAX_MS', 30_000, { min: 10, max: 3_600_000 });
  if (smtpProbeMaxMs < smtpProbeMinMs) {
    throw new ConfigValidationError(
      'SMTP_PROBE_MAX_MS',
      `must be >= SMTP_PROBE_MIN_MS (${smtpProbeMinMs})`,
    );
  }
  return { smtpProbeMinMs, smtpProbeMaxMs };
}

export const MAIL_TRANSPORTS = ['smtp', 'outbox'] as const;
export type MailTransportName = (typeof MAIL_TRANSPORTS)[number];

/**
 * SMTP when SMTP_URL is set; the outbox only when chosen: MAIL_TRANSPORT=outbox, or by
 * default outside production. In production a missing relay is a start-up error, never mail
 * quietly written to a local folder and reported as sent.
 */
function chooseTransport(env: EnvReader, smtpUrl: unknown): MailTransportName {
  if (env.isSetButBlank('SMTP_URL')) {
    throw new ConfigValidationError(
      'SMTP_URL',
      'is set but empty: give the relay URL (smtp://host:587), or unset it to use the outbox outside production',
    );
  }
  const chosen = env.raw('MAIL_TRANSPORT');
  const transport = env.oneOf<MailTransportName>('MAIL_TRANSPORT', MAIL_TRANSPORTS, 'smtp');
  if (chosen === undefined) {
    if (smtpUrl) return 'smtp';
    if (env.isProduction()) {
      throw new ConfigValidationError(
        'SMTP_URL',
        'must be set when NODE_ENV=production (or set MAIL_TRANSPORT=outbox to write .eml files on purpose)',
      );
    }
    return 'outbox';
  }
  if (transport === 'smtp' && !smtpUrl) {
    throw new ConfigValidationError('SMTP_URL', 'must be set when MAIL_TRANSPORT=smtp');
  }
  if (transport === 'outbox' && smtpUrl) {
    throw new ConfigValidationError(
      'MAIL_TRANSPORT',
      'is outbox but SMTP_URL is set too: unset one of them',
    );
  }
  return transport;
}

/** The `mail` namespace from an environment; pure, so tests pass an object. */
export function parseMailConfig(source: Environment) {
  const env = new EnvReader(source);
  const smtpRelayName = relayName(env);
  const relays = parseRelays(env, smtpRelayName);
  const transport = chooseTransport(env, relays);
  const smtpTransport = env.oneOf('SMTP_TRANSPORT', SMTP_TRANSPORTS, 'engine');
  if (smtpTransport === 'mailer' && relays && relays.length > 1) {
    throw new ConfigValidationError(
      'SMTP_URL',
      'lists several relays, which only the engine fails over between: unset SMTP_TRANSPORT=mailer',
    );
  }
  const retryBaseMs = env.int('RETRY_BASE_MS', 1000, { min: 1, max: 3_600_000 });
  const retryMaxMs = env.int('RETRY_MAX_MS', 60_000, { min: 1, max: 86_400_000 });
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigValidationError('RETRY_MAX_MS', `must be >= RETRY_BASE_MS (${retryBaseMs})`);
  }
  return {
    transport,
    /** Set exactly when `transport` is smtp. */
    smtp: transport === 'smtp' && relays ? relays[0] : undefined,
    /** Every relay of SMTP_URL in failover order; empty unless `transport` is smtp. */
    smtpRelays: transport === 'smtp' && relays ? relays : ([] as RelaySettings[]),
    outboxDir: env.string('OUTBOX_DIR', './var/outbox'),
    mailFrom: env.string('MAIL_FROM', 'mailwatch@localhost'),
    /** How long POST /send-email waits for an outcome before answering 202. */
    sendWaitMs: env.int('SEND_WAIT_MS', 10_000, { min: 0, max: 120_000 }),
    maxAttempts: env.int('MAX_ATTEMPTS', 5, { min: 1, max: 50 }),
    retryBaseMs,
    retryMaxMs,
    /** Emails accepted and not yet resolved; beyond this POST /send-email answers 503. */
    queueCapacity: env.int('QUEUE_CAPACITY', 10_000, { min: 1, max: 10_000_000 }),
    /** Concurrent deliveries handed to the transport. */
    concurrency: env.int('DELIVERY_CONCURRENCY', 64, { min: 1, max: 10_000 }),
    /** Pooled SMTP connections. */
    smtpPoolSize: env.int('SMTP_POOL_SIZE', 5, { min: 1, max: 500 }),
    /** Connect, greeting and per-reply timeout for SMTP. */
    smtpTimeoutMs: env.int('SMTP_TIMEOUT_MS', 15_000, { min: 100, max: 600_000 }),
    /** `engine`: mailwatch's pipelining client; `mailer`: nodemailer's pool via MailerService. */
    smtpTransport,
    /** The `relay` label of the first relay when SMTP_URL does not name it. */
    smtpRelayName,
    smtpStarttls: env.oneOf('SMTP_STARTTLS', STARTTLS_POLICIES, 'opportunistic'),
    /** Messages per SMTP connection before the engine replaces it. */
    smtpMaxMessagesPerConnection: env.int('SMTP_MAX_MESSAGES_PER_CONNECTION', 100, {
      min: 1,
      max: 1_000_000,
    }),
    /** Upper bound of one delivery attempt through the engine, waiting for a connection included. */
    smtpAttemptTimeoutMs: env.int('SMTP_ATTEMPT_TIMEOUT_MS', 60_000, { min: 500, max: 600_000 }),
    /** How often the engine checks an idle relay, for email_smtp_up. */
    smtpHealthIntervalMs: env.int('SMTP_HEALTH_INTERVAL_MS', 15_000, { min: 1000, max: 3_600_000 }),
    ...relayProbe(env),
    /** Logs each relay's SMTP conversation (commands and reply codes only) at debug level. */
    smtpDebug: env.bool('SMTP_DEBUG', false),
    /** Finished emails stay visible at GET /emails/:id this long (and at most retentionMax of them). */
    retentionMs: env.int('EMAIL_RETENTION_SECONDS', 3600, { min: 1, max: 30 * 86_400 }) * 1000,
    retentionMax: env.int('EMAIL_RETENTION_MAX', 10_000, { min: 1, max: 10_000_000 }),
  };
}

export const mailConfig = registerAs('mail', () => parseMailConfig(process.env));

export type MailConfig = ConfigType<typeof mailConfig>;
