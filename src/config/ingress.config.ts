import { ConfigType, registerAs } from '@nestjs/config';
import { readFileSync } from 'node:fs';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';
import { normaliseDomain } from './security.config';

/** The listener's certificate, read once at start-up (README, "Sending over SMTP"). */
export interface IngressTls {
  key: Buffer;
  cert: Buffer;
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new ConfigValidationError(variable, 'cannot be read', path);
  }
}

function parseTls(env: EnvReader): IngressTls | undefined {
  const certPath = env.optionalString('SMTP_INGRESS_TLS_CERT');
  const keyPath = env.optionalString('SMTP_INGRESS_TLS_KEY');
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    throw new ConfigValidationError(
      certPath === undefined ? 'SMTP_INGRESS_TLS_CERT' : 'SMTP_INGRESS_TLS_KEY',
      'must be set together with ' +
        (certPath === undefined ? 'SMTP_INGRESS_TLS_KEY' : 'SMTP_INGRESS_TLS_CERT'),
    );
  }
  return {
    cert: readPem('SMTP_INGRESS_TLS_CERT', certPath),
    key: readPem('SMTP_INGRESS_TLS_KEY', keyPath),
  };
}

const SECRET_MIN = 32;

/** The `ingress` namespace (SMTP submission and bounces); pure, so tests pass an object. */
export function parseIngressConfig(source: Environment) {
  const env = new EnvReader(source);
  // 0 is allowed: an ephemeral port (tests); unset keeps the listener off.
  const port = env.optionalInt('SMTP_INGRESS_PORT', { min: 0, max: 65535 });
  const tls = parseTls(env);
  const implicitTls = env.bool('SMTP_INGRESS_IMPLICIT_TLS', false);
  if (implicitTls && tls === undefined) {
    throw new ConfigValidationError(
      'SMTP_INGRESS_IMPLICIT_TLS',
      'needs SMTP_INGRESS_TLS_CERT and SMTP_INGRESS_TLS_KEY',
    );
  }
  const bounceDomainRaw = env.optionalString('BOUNCE_DOMAIN');
  const bounceSecret = env.optionalString('BOUNCE_SECRET');
  if (bounceDomainRaw !== undefined && (bounceSecret ?? '').length < SECRET_MIN) {
    throw new ConfigValidationError(
      'BOUNCE_SECRET',
      `must be at least ${SECRET_MIN} characters when BOUNCE_DOMAIN is set (value not shown)`,
    );
  }
  return {
    /** Unset: no SMTP listener at all. */
    port,
    host: env.string('SMTP_INGRESS_HOST', '0.0.0.0'),
    /** The name in the greeting and EHLO reply. */
    hostname: env.string('SMTP_INGRESS_HOSTNAME', 'mailwatch'),
    tls,
    /** TLS from the first byte (port 465 style) instead of STARTTLS. */
    implicitTls,
    /** AUTH over a cleartext connection: only for loopback tests or a TLS-terminating proxy. */
    allowInsecureAuth: env.bool('SMTP_INGRESS_ALLOW_INSECURE_AUTH', false),
    /** Octets of one message (announced in EHLO SIZE). */
    maxMessageBytes: env.int('SMTP_INGRESS_MAX_BYTES', 10 * 1024 * 1024, {
      min: 1024,
      max: 48 * 1024 * 1024,
    }),
    maxRecipients: env.int('SMTP_INGRESS_MAX_RECIPIENTS', 50, { min: 1, max: 1000 }),
    maxConnections: env.int('SMTP_INGRESS_MAX_CONNECTIONS', 100, { min: 1, max: 10_000 }),
    /** Sessions from one remote address (a NAT or relay counts once). */
    maxConnectionsPerIp: env.int('SMTP_INGRESS_MAX_CONNECTIONS_PER_IP', 20, {
      min: 1,
      max: 10_000,
    }),
    /** Idle time before a session is closed. */
    socketTimeoutMs: env.int('SMTP_INGRESS_TIMEOUT_MS', 60_000, { min: 1000, max: 3_600_000 }),
    /** Messages per client per minute; 0 turns the limit off. */
    ratePerMinute: env.int('SMTP_INGRESS_RATE_LIMIT_PER_MINUTE', 600, {
      min: 0,
      max: 10_000_000,
    }),
    /** Where bounces come back (VERP); unset: the envelope sender stays MAIL_FROM. */
    bounceDomain: bounceDomainRaw === undefined ? undefined : normaliseDomain(bounceDomainRaw),
    /** HMAC key of the return-path tokens; rotating it invalidates bounces of mail in flight. */
    bounceSecret,
  };
}

export const ingressConfig = registerAs('ingress', () => parseIngressConfig(process.env));

export type IngressConfig = ConfigType<typeof ingressConfig>;
