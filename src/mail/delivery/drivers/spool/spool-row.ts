import type { DeliveryErrorInfo } from '../../delivery-error';
import type { EmailMeta } from '../../settled-email';
import { shownStatus, type EmailView } from '../../email-view';
import type { LocalEntry } from '../local/email-store';
import type { SpoolRow } from './spool-store';

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

export function entryFromRow(row: SpoolRow): LocalEntry {
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

export function rowView(row: SpoolRow): EmailView {
  const outcome = parseOutcome(row.outcome);
  return {
    id: row.id,
    status: shownStatus(row.status, outcome.lastError),
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
