import { ConfigValidationError, EnvReader } from './env-reader';

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

/** One relay of SMTP_URL, in failover order (README, "Several relays"). */
export interface RelaySettings extends SmtpSettings {
  /** The `relay` label: chosen by the operator or derived from the position, never a host. */
  name: string;
  /** Messages per second this relay is sent at most; 0 = no cap (SMTP_RATE_LIMIT). */
  maxPerSecond: number;
}

/** A metric label value chosen by the operator: never a hostname, always bounded. */
export const RELAY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const NAMED = /^([a-z][a-z0-9_-]{0,31})=(.+)$/;
const DERIVED = ['primary', 'secondary'];

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

/**
 * SMTP_URL: one relay URL, or several separated by commas, each optionally `name=URL`, in
 * the order mail tries them. Unnamed relays are `primary` (or SMTP_RELAY_NAME), `secondary`,
 * then `relay3`…; a comma inside credentials is written `%2C`.
 */
export function parseRelays(env: EnvReader, firstName: string): RelaySettings[] | undefined {
  const raw = env.raw('SMTP_URL');
  if (raw === undefined || raw.trim() === '') return undefined;
  const relays = raw.split(',').map((entry, i) => {
    const named = NAMED.exec(entry.trim());
    const url = new EnvReader({ SMTP_URL: named ? named[2] : entry.trim() }).optionalUrl(
      'SMTP_URL',
      ['smtp:', 'smtps:'],
    );
    if (!url) throw new ConfigValidationError('SMTP_URL', `relay ${i + 1} is empty`);
    const name = named?.[1] ?? (i === 0 ? firstName : (DERIVED[i] ?? `relay${i + 1}`));
    return { ...parseSmtpUrl(url), name, maxPerSecond: 0 };
  });
  const names = relays.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigValidationError('SMTP_URL', `names relay "${twice}" twice`);
  applyRateLimits(env, relays);
  return relays;
}

/** SMTP_RATE_LIMIT: `N` for every relay, or `name=N,name=N`; messages per second, > 0. */
function applyRateLimits(env: EnvReader, relays: RelaySettings[]): void {
  const raw = env.raw('SMTP_RATE_LIMIT');
  if (raw === undefined || raw.trim() === '') return;
  const rate = (text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || value > 100_000) {
      throw new ConfigValidationError(
        'SMTP_RATE_LIMIT',
        'must be messages per second (> 0, at most 100000), or name=rate pairs separated by commas',
        raw,
      );
    }
    return value;
  };
  if (!raw.includes('=')) {
    const all = rate(raw.trim());
    relays.forEach((r) => (r.maxPerSecond = all));
    return;
  }
  for (const pair of raw.split(',')) {
    const [name, value = ''] = pair.trim().split('=');
    const relay = relays.find((r) => r.name === name);
    if (!relay) {
      throw new ConfigValidationError('SMTP_RATE_LIMIT', `names no relay of SMTP_URL`, name);
    }
    relay.maxPerSecond = rate(value);
  }
}
