import { ConfigValidationError, EnvReader, type Environment } from './env-reader';
import type { parseAllConfig } from './namespaces';

type ParsedConfig = ReturnType<typeof parseAllConfig>;

/** `Name <user@example.com>` or `user@example.com`, split into its lower-cased parts. */
function senderAddress(mailFrom: string): { local: string; domain: string } | undefined {
  const address = /<([^<>]*)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  const match = /^([^@\s<>]+)@([^@\s<>]+)$/.exec(address.trim());
  return match ? { local: match[1].toLowerCase(), domain: match[2].toLowerCase() } : undefined;
}

/**
 * What NODE_ENV=production refuses, all of it at once (issue 25): a deployment fixes every
 * line in one round instead of one per restart. `config` was parsed from the environment
 * with the variables already reported as invalid removed.
 */
export function productionProblems(
  config: ParsedConfig,
  env: Environment,
): ConfigValidationError[] {
  const reader = new EnvReader(env);
  if (!reader.isProduction()) return [];
  const problems: ConfigValidationError[] = [];
  const security = config.security.value;
  if (reader.raw('MAIL_TRANSPORT') === undefined && reader.raw('SMTP_URL') === undefined) {
    problems.push(
      new ConfigValidationError(
        'SMTP_URL',
        'must be set when NODE_ENV=production (or set MAIL_TRANSPORT=outbox to write .eml files on purpose)',
      ),
    );
  }
  const mailFrom = reader.raw('MAIL_FROM');
  const sender = mailFrom === undefined ? undefined : senderAddress(mailFrom);
  if (mailFrom === undefined) {
    problems.push(
      new ConfigValidationError(
        'MAIL_FROM',
        'must be set when NODE_ENV=production: it is the sender of every email without "from" (e.g. MAIL_FROM=noreply@example.com)',
      ),
    );
  } else if (!sender) {
    problems.push(
      new ConfigValidationError(
        'MAIL_FROM',
        'must be an address like noreply@example.com',
        mailFrom,
      ),
    );
  } else if (!senderAllowed(sender, security)) {
    problems.push(
      new ConfigValidationError(
        'MAIL_FROM',
        'is not allowed by the sender policy: its domain must be in ALLOWED_SENDER_DOMAINS (or, with CLIENT_SENDERS only, allowed for a client there)',
        mailFrom,
      ),
    );
  }
  if (reader.bool('ALLOW_OPEN_RELAY', false)) return problems;
  if (security.apiKeys.length === 0) {
    problems.push(
      new ConfigValidationError(
        'API_KEYS',
        'must be set when NODE_ENV=production: without keys anyone who reaches the port can send as anybody (ALLOW_OPEN_RELAY=true accepts that deliberately)',
      ),
    );
  }
  if (security.allowedSenderDomains.length === 0 && security.clientSenders.size === 0) {
    problems.push(
      new ConfigValidationError(
        'ALLOWED_SENDER_DOMAINS',
        'or CLIENT_SENDERS must be set when NODE_ENV=production: otherwise every client may send as any address (ALLOW_OPEN_RELAY=true accepts that deliberately)',
      ),
    );
  }
  return problems;
}

/**
 * MAIL_FROM is the sender of every request without `from`, so it must pass the policy those
 * requests would face: ALLOWED_SENDER_DOMAINS when set; with CLIENT_SENDERS alone, at least
 * one client's allowance (an address nobody may use is a typo).
 */
function senderAllowed(
  sender: { local: string; domain: string },
  security: ParsedConfig['security']['value'],
): boolean {
  if (security.allowedSenderDomains.length > 0) {
    return security.allowedSenderDomains.includes(sender.domain);
  }
  if (security.clientSenders.size === 0) return true;
  return [...security.clientSenders.values()].some(
    (own) =>
      own.domains.includes(sender.domain) ||
      own.addresses.includes(`${sender.local}@${sender.domain}`),
  );
}
