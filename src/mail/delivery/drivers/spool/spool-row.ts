import type { DeliveryErrorInfo } from '../../delivery-error';
import type { EmailMeta } from '../../settled-email';
import type { EmailStatus, EmailView } from '../../email-view';
import type { SpoolRow } from './spool-store';

/** An unfinished email as the spool queue tracks it in memory (the payload stays on disk). */
export interface SpoolEntry {
  id: string;
  client: string;
  status: Extract<EmailStatus, 'queued' | 'sending'>;
  attempts: number;
  /** Epoch ms of the request's arrival: durations span restarts. */
  acceptedAt: number;
  /** Opaque to the driver (EmailMeta): stored as given, handed back when the email settles. */
  meta: EmailMeta;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt?: number;
  lastError?: DeliveryErrorInfo;
  retryTimer?: NodeJS.Timeout;
}

interface Outcome {
  messageId?: string;
  lastError?: DeliveryErrorInfo;
}

export function outcomeJson(messageId?: string, lastError?: DeliveryErrorInfo): string {
  return JSON.stringify({ messageId, lastError } satisfies Outcome);
}

function parseOutcome(text: string | null): Outcome {
  return text ? (JSON.parse(text) as Outcome) : {};
}

const iso = (ms: number | null | undefined): string | undefined =>
  ms == null ? undefined : new Date(ms).toISOString();

const metaOf = (row: SpoolRow): EmailMeta =>
  row.metadata ? (JSON.parse(row.metadata) as EmailMeta) : {};

export function entryFromRow(row: SpoolRow): SpoolEntry {
  return {
    id: row.id,
    client: row.client,
    // `sending` rows are recovered as queued: their attempt's fate is unknown.
    status: 'queued',
    attempts: row.attempts,
    acceptedAt: row.accepted_at,
    meta: metaOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    nextAttemptAt: row.next_attempt_at ?? undefined,
    lastError: parseOutcome(row.outcome).lastError,
  };
}

export function entryView(entry: SpoolEntry): EmailView {
  return {
    id: entry.id,
    status: entry.status,
    client: entry.client,
    attempts: entry.attempts,
    lastError: entry.lastError,
    createdAt: new Date(entry.createdAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
    nextAttemptAt: iso(entry.nextAttemptAt),
    meta: entry.meta,
  };
}

export function rowView(row: SpoolRow): EmailView {
  const outcome = parseOutcome(row.outcome);
  return {
    id: row.id,
    status: row.status,
    client: row.client,
    attempts: row.attempts,
    messageId: outcome.messageId,
    lastError: outcome.lastError,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    nextAttemptAt: iso(row.next_attempt_at),
    meta: metaOf(row),
  };
}
