import type { DeliveryErrorInfo } from '../../delivery-error';
import type { EmailMeta } from '../../settled-email';
import { shownStatus, type EmailView } from '../../email-view';
import type { LocalEntry } from '../local/email-store';
import type { SpoolRow } from './spool-store';

export interface NewEmail {
  id: string;
  client: string;
  /** The email as JSON: a string, or its UTF-8 octets (stored as TEXT, spool-payload.ts). */
  payload: string | Buffer;
  /** A large text or html kept out of the payload JSON: its UTF-8 octets (spool-payload.ts). */
  octets?: BodyOctets;
  /** JSON of the email's EmailMeta (request id, template, …), opaque to the spool. */
  metadata: string;
  acceptedAt: number;
  now: number;
  /**
   * Set when a delivery slot was free at acceptance: the row is stored as `sending` with
   * this attempt number, so the accept commit is also the attempt's commit (issue 20).
   */
  sendingAttempt?: number;
}

export interface BodyOctets {
  text?: Uint8Array;
  html?: Uint8Array;
}

export interface StoredPayload {
  payload: string;
  text_octets: Uint8Array | null;
  html_octets: Uint8Array | null;
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
