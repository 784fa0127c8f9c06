import { ConfigType, registerAs } from '@nestjs/config';
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
  };
}

export const feedbackConfig = registerAs('feedback', () => parseFeedbackConfig(process.env));

export type FeedbackConfig = ConfigType<typeof feedbackConfig>;
