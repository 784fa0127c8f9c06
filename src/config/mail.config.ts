import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (`smtps://`); `smtp://` upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  /** Shown in logs and health output instead of the URL, which may carry a password. */
  displayName: string;
}

function parseSmtpUrl(url: URL): SmtpSettings {
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    throw new ConfigValidationError('SMTP_URL', 'has badly percent-encoded credentials');
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    user,
    password,
    displayName: `${url.protocol}//${url.host}`,
  };
}

/** The `mail` namespace from an environment; pure, so tests pass an object. */
export function parseMailConfig(source: Environment) {
  const env = new EnvReader(source);
  const smtpUrl = env.optionalUrl('SMTP_URL', ['smtp:', 'smtps:']);
  const retryBaseMs = env.int('RETRY_BASE_MS', 1000, { min: 1, max: 3_600_000 });
  const retryMaxMs = env.int('RETRY_MAX_MS', 60_000, { min: 1, max: 86_400_000 });
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigValidationError('RETRY_MAX_MS', `must be >= RETRY_BASE_MS (${retryBaseMs})`);
  }
  return {
    smtp: smtpUrl ? parseSmtpUrl(smtpUrl) : undefined,
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
    /** Connect, greeting and socket-idle timeout for SMTP. */
    smtpTimeoutMs: env.int('SMTP_TIMEOUT_MS', 15_000, { min: 100, max: 600_000 }),
    /** Finished emails stay visible at GET /emails/:id this long (and at most retentionMax of them). */
    retentionMs: env.int('EMAIL_RETENTION_SECONDS', 3600, { min: 1, max: 30 * 86_400 }) * 1000,
    retentionMax: env.int('EMAIL_RETENTION_MAX', 10_000, { min: 1, max: 10_000_000 }),
  };
}

export const mailConfig = registerAs('mail', () => parseMailConfig(process.env));

export type MailConfig = ConfigType<typeof mailConfig>;
