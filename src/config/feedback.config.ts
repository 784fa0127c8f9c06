import { ConfigType, registerAs } from '@nestjs/config';
import { readFileSync } from 'node:fs';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

export const SUPPRESSION_SCOPES = ['client', 'shared'] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

/** One client's email budget (README, "Quotas"): emails per hour and/or per day. */
export interface ClientQuota {
  perHour?: number;
  perDay?: number;
}

const QUOTA_ENTRY = /^([A-Za-z0-9_.-]{1,64}):(.+)$/;
const QUOTA_LIMIT = /^(\d{1,9})\/(h|d)$/;

/** `billing:1000/h,20000/d;crm:500/d` → { billing: {perHour, perDay}, crm: {perDay} }. */
export function parseClientQuotas(text: string | undefined): Record<string, ClientQuota> {
  const quotas: Record<string, ClientQuota> = {};
  for (const entry of (text ?? '').split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const match = QUOTA_ENTRY.exec(entry);
    const fail = (problem: string) => {
      throw new ConfigValidationError('CLIENT_QUOTAS', problem, entry);
    };
    if (!match) fail('entries look like client:1000/h,20000/d, separated by ;');
    const [, client, limits] = match!;
    if (quotas[client]) fail(`names ${client} twice`);
    const quota: ClientQuota = {};
    for (const limit of limits.split(',').map((l) => l.trim())) {
      const parsed = QUOTA_LIMIT.exec(limit);
      if (!parsed || Number(parsed[1]) < 1) fail('each limit is a positive count per h or d');
      const key = parsed![2] === 'h' ? 'perHour' : 'perDay';
      if (quota[key] !== undefined) fail(`gives ${client} two ${key} limits`);
      quota[key] = Number(parsed![1]);
    }
    quotas[client] = quota;
  }
  return quotas;
}

export const WEBHOOK_EVENTS = [
  'email.sent',
  'email.deferred',
  'email.failed',
  'email.expired',
  'email.suppressed',
  'email.bounced',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** One endpoint of one client (WEBHOOKS_FILE). */
export interface WebhookEndpoint {
  /** Stable name for the outbox and logs: `<client>#<index>`. */
  id: string;
  client: string;
  url: string;
  /** `whsec_…`; two during a rotation (both sign every event). */
  secrets: string[];
  events: WebhookEventType[];
}

const SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

/** WEBHOOKS_FILE: `[{"client", "url", "secrets": ["whsec_…"], "events"?: [...]}]`. */
export function parseWebhookEndpoints(path: string | undefined): WebhookEndpoint[] {
  if (path === undefined) return [];
  const fail = (problem: string): never => {
    throw new ConfigValidationError('WEBHOOKS_FILE', problem, path);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return fail('must be a readable JSON file');
  }
  if (!Array.isArray(raw)) return fail('must hold a JSON array of endpoints');
  const counts = new Map<string, number>();
  return raw.map((item: unknown, index) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const where = `endpoint ${index + 1}`;
    if (typeof entry.client !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(entry.client))
      fail(`${where}: client must be a client name`);
    let url: URL | undefined;
    try {
      url = new URL(String(entry.url));
    } catch {
      fail(`${where}: url must be an absolute http(s) URL`);
    }
    if (!['https:', 'http:'].includes(url!.protocol) || url!.username || url!.password)
      fail(`${where}: url must be http(s) without credentials`);
    const secrets = entry.secrets;
    if (!Array.isArray(secrets) || secrets.length < 1 || secrets.length > 2)
      fail(`${where}: secrets must list one or two secrets (two while rotating)`);
    if (!(secrets as unknown[]).every((s) => typeof s === 'string' && SECRET.test(s)))
      fail(`${where}: each secret must be whsec_ + base64 of at least 24 bytes (value not shown)`);
    const events = entry.events ?? WEBHOOK_EVENTS;
    if (
      !Array.isArray(events) ||
      !events.every((e) => WEBHOOK_EVENTS.includes(e as WebhookEventType))
    )
      fail(`${where}: events must be some of ${WEBHOOK_EVENTS.join(', ')}`);
    const client = entry.client as string;
    const n = counts.get(client) ?? 0;
    counts.set(client, n + 1);
    return {
      id: `${client}#${n}`,
      client,
      url: url!.toString(),
      secrets: secrets as string[],
      events: events as WebhookEventType[],
    };
  });
}

/** The `feedback` namespace: suppression list and per-client quotas. */
export function parseFeedbackConfig(source: Environment) {
  const env = new EnvReader(source);
  return {
    /** `client`: each client has its own list; `shared`: one list for every client. */
    suppressionScope: env.oneOf<SuppressionScope>(
      'SUPPRESSION_SCOPE',
      SUPPRESSION_SCOPES,
      'client',
    ),
    /** The spool/memory deployments' SQLite file; default: suppressions.db beside SPOOL_PATH. */
    suppressionPath: env.optionalString('SUPPRESSION_PATH'),
    /** Whether a permanent refusal (5xx) adds the recipient to the list by itself. */
    suppressOnRefusal: env.bool('SUPPRESS_ON_REFUSAL', true),
    clientQuotas: parseClientQuotas(env.optionalString('CLIENT_QUOTAS')),
    webhooks: {
      endpoints: parseWebhookEndpoints(env.optionalString('WEBHOOKS_FILE')),
      /** Loopback, private, link-local targets are refused unless this is true (tests, labs). */
      allowPrivate: env.bool('WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: env.int('WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
      /** First retry after this; doubles up to WEBHOOK_RETRY_MAX_MS. */
      retryBaseMs: env.int('WEBHOOK_RETRY_BASE_MS', 5_000, { min: 10, max: 3_600_000 }),
      retryMaxMs: env.int('WEBHOOK_RETRY_MAX_MS', 3_600_000, { min: 10, max: 86_400_000 }),
      /** An event is given up (outcome `expired`) this long after it was written. */
      maxAgeSeconds: env.int('WEBHOOK_MAX_AGE_SECONDS', 86_400, { min: 1, max: 604_800 }),
      /** An endpoint failing without a success this long is paused (probed, events kept). */
      pauseAfterSeconds: env.int('WEBHOOK_PAUSE_AFTER_SECONDS', 900, { min: 1, max: 86_400 }),
      /** Requests in flight per endpoint (per replica). */
      concurrency: env.int('WEBHOOK_CONCURRENCY', 4, { min: 1, max: 64 }),
      /** The SQLite outbox (spool driver; default webhooks.db beside SPOOL_PATH). */
      outboxPath: env.optionalString('WEBHOOK_OUTBOX_PATH'),
    },
  };
}

export const feedbackConfig = registerAs('feedback', () => parseFeedbackConfig(process.env));

export type FeedbackConfig = ConfigType<typeof feedbackConfig>;
