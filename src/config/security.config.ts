import { ConfigType, registerAs } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { domainToASCII } from 'node:url';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

/** An API key as kept in memory: only its SHA-256, never the key itself. */
export interface ApiKeyEntry {
  sha256: Buffer;
  client: string;
}

/** Who may appear in `from` for one client: whole domains and/or exact addresses. */
export interface SenderAllowance {
  domains: string[];
  addresses: string[];
}

const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^sha256:([0-9a-fA-F]{64})$/;

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Lower-case ASCII (punycode) form, so `bücher.de` and `xn--bcher-kva.de` are one domain. */
export function normaliseDomain(domain: string): string {
  const trimmed = domain.trim().toLowerCase().replace(/\.$/, '');
  // Letters, digits and hyphens with a last label starting with a letter are already what
  // domainToASCII (a WHATWG URL host parse, run per recipient of every email) would return:
  // no IDN to encode, no punycode to check, and no number-like last label (`0x7f.1`) that
  // the parser would rewrite as an IPv4 address.
  if (PLAIN_DOMAIN.test(trimmed) && !trimmed.includes('xn--')) return trimmed;
  return domainToASCII(trimmed) || trimmed;
}
const PLAIN_DOMAIN = /^(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*$/;

/** RFC 6750's b64token without its `=` padding (`=` separates key and client); `:` for `sha256:`. */
const KEY_CHARACTERS = /^[A-Za-z0-9._~+/:-]+$/;

/** A separator someone may have used instead of the comma, named in the error. */
function straySeparator(entry: string): string | undefined {
  if (entry.includes(';')) return '";"';
  if (/\s/.test(entry)) return 'whitespace';
  if (entry.includes('|')) return '"|"';
  return undefined;
}

/**
 * `key=client` pairs, strictly (issue 25): exactly one `=` per entry, keys of bearer-token
 * characters, entries separated by commas only. Errors name the variable and the entry's
 * position, never the key. `API_KEYS_FILE` entries may be `sha256:<hex>=client`.
 */
function parseKeyEntries(variable: string, entries: string[]): ApiKeyEntry[] {
  return entries.map((entry, index) => {
    const problem = `entry ${index + 1}`;
    const separator = straySeparator(entry);
    const parts = entry.split('=');
    if (parts.length !== 2) {
      throw new ConfigValidationError(
        variable,
        `${problem} must be one key=client pair` +
          (separator ? ` (entries are separated by commas, not ${separator})` : '') +
          ' (value not shown)',
      );
    }
    const [secret, client] = parts.map((part) => part.trim());
    if (secret === '' || !CLIENT_NAME.test(client)) {
      throw new ConfigValidationError(
        variable,
        `${problem} must be key=client with a client of letters, digits, . _ - (value not shown)`,
      );
    }
    if (!KEY_CHARACTERS.test(secret)) {
      throw new ConfigValidationError(
        variable,
        `${problem} has a key with a character outside A-Z a-z 0-9 . _ ~ + / - ` +
          (separator ? `(entries are separated by commas, not ${separator}) ` : '') +
          '(value not shown)',
      );
    }
    const hashed = SHA256_HEX.exec(secret);
    if (!hashed && secret.length < 16) {
      throw new ConfigValidationError(
        variable,
        `${problem} has a key shorter than 16 characters (value not shown)`,
      );
    }
    return { sha256: hashed ? Buffer.from(hashed[1], 'hex') : sha256(secret), client };
  });
}

/** The same key twice would authenticate as whichever entry comes first: refused. */
function refuseDuplicateKeys(entries: readonly ApiKeyEntry[]): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const digest = entry.sha256.toString('hex');
    const first = seen.get(digest);
    if (first !== undefined) {
      const clients =
        entries[first].client === entry.client
          ? `client ${entry.client} twice`
          : `clients ${entries[first].client} and ${entry.client}`;
      throw new ConfigValidationError(
        'API_KEYS',
        `entries ${first + 1} and ${index + 1} (counting API_KEYS, then API_KEYS_FILE) are the same key, for ${clients}: give each client its own key (value not shown)`,
      );
    }
    seen.set(digest, index);
  });
}

function readKeysFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigValidationError('API_KEYS_FILE', 'cannot be read', path);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `billing:billing@example.com|example.org;crm:example.net` */
function parseClientSenders(raw: string | undefined): Map<string, SenderAllowance> {
  const result = new Map<string, SenderAllowance>();
  if (raw === undefined) return result;
  for (const part of raw
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const colon = part.indexOf(':');
    const client = colon < 0 ? '' : part.slice(0, colon).trim();
    const items =
      colon < 0
        ? []
        : part
            .slice(colon + 1)
            .split('|')
            .map((i) => i.trim());
    if (!CLIENT_NAME.test(client) || items.length === 0 || items.some((i) => i === '')) {
      throw new ConfigValidationError(
        'CLIENT_SENDERS',
        'must be client:address|domain;client:... (e.g. billing:noreply@example.com|example.org)',
        part,
      );
    }
    const allowance = result.get(client) ?? { domains: [], addresses: [] };
    for (const item of items) {
      const at = item.lastIndexOf('@');
      if (at < 0) allowance.domains.push(normaliseDomain(item));
      else {
        allowance.addresses.push(
          `${item.slice(0, at).toLowerCase()}@${normaliseDomain(item.slice(at + 1))}`,
        );
      }
    }
    result.set(client, allowance);
  }
  return result;
}

/** The `security` namespace from an environment; pure, so tests pass an object. */
export function parseSecurityConfig(source: Environment) {
  const env = new EnvReader(source);
  const keysFile = env.optionalString('API_KEYS_FILE');
  const apiKeys = [
    ...parseKeyEntries('API_KEYS', env.list('API_KEYS', [])),
    ...(keysFile === undefined ? [] : parseKeyEntries('API_KEYS_FILE', readKeysFile(keysFile))),
  ];
  refuseDuplicateKeys(apiKeys);
  const perMinute = env.optionalInt('RATE_LIMIT_PER_MINUTE', { min: 0, max: 10_000_000 });
  const rateLimit = env.int('RATE_LIMIT', 0, { min: 0, max: 10_000_000 });
  const windowMs = env.int('RATE_LIMIT_WINDOW_MS', 60_000, { min: 100, max: 86_400_000 });
  if (perMinute !== undefined && rateLimit > 0) {
    throw new ConfigValidationError(
      'RATE_LIMIT_PER_MINUTE',
      'cannot be combined with RATE_LIMIT; set one of them',
    );
  }
  const operatorClients = env.list('OPERATOR_CLIENTS', []);
  const badOperator = operatorClients.find((client) => !CLIENT_NAME.test(client));
  if (badOperator !== undefined) {
    throw new ConfigValidationError(
      'OPERATOR_CLIENTS',
      'must be client names (letters, digits, . _ -), comma-separated',
      badOperator,
    );
  }
  return {
    /** Empty: dev mode, callers name themselves with X-Client-ID. */
    apiKeys,
    /**
     * Clients whose keys have operator scope: every client's emails, bulk re-drive, the whole
     * status page. With no API keys (dev mode) a caller naming one of them in X-Client-ID is
     * an operator too: dev mode trusts X-Client-ID for everything.
     */
    operatorClients: new Set(operatorClients),
    /** `from` must be at one of these domains (empty: any, unless CLIENT_SENDERS names the client). */
    allowedSenderDomains: env.list('ALLOWED_SENDER_DOMAINS', []).map(normaliseDomain),
    clientSenders: parseClientSenders(env.optionalString('CLIENT_SENDERS')),
    recipientDomainsAllow: env.list('RECIPIENT_DOMAINS_ALLOW', []).map(normaliseDomain),
    recipientDomainsDeny: env.list('RECIPIENT_DOMAINS_DENY', []).map(normaliseDomain),
    /** Requests per client per window; 0 turns rate limiting off. */
    rateLimit: perMinute ?? rateLimit,
    rateLimitWindowMs: perMinute !== undefined ? 60_000 : windowMs,
    /** Decoded bytes of all attachments of one email together. */
    maxAttachmentBytes: env.int('MAX_ATTACHMENT_BYTES', 5 * 1024 * 1024, {
      min: 0,
      max: 48 * 1024 * 1024,
    }),
    /** Deepest JSON nesting accepted in a request body. */
    jsonMaxDepth: env.int('JSON_MAX_DEPTH', 32, { min: 2, max: 1000 }),
    /** Replace email addresses in our log lines with `[redacted]`. */
    logRedactRecipients: env.bool('LOG_REDACT_RECIPIENTS', true),
  };
}

export const securityConfig = registerAs('security', () => parseSecurityConfig(process.env));

export type SecurityConfig = ConfigType<typeof securityConfig>;
