import type { RecipientOutcome } from './recipient-outcomes';

/** DI token of the RecipientOutcomeStore the queue driver calls for. */
export const RECIPIENT_OUTCOME_STORE = Symbol('RECIPIENT_OUTCOME_STORE');

/**
 * Where recipients' outcomes (bounces) are kept: where the emails are (SQLite beside the
 * spool, Redis, or memory), so GET /emails/:id shows them on every replica and after a
 * restart. Writes resolve once stored; a rejection means the bounce is answered 451 and the
 * relay sends it again.
 */
export interface RecipientOutcomeStore {
  /** Stores `outcome` for its address on the email; see `replaces` for an earlier one. */
  record(emailId: string, outcome: RecipientOutcome, now: number): Promise<void>;
  /** The email's outcomes, in the order their addresses were first reported. */
  list(emailId: string): Promise<RecipientOutcome[]>;
  close?(): void;
}

/** A later report replaces an earlier one for the address, except soft over hard. */
export function replaces(next: RecipientOutcome, earlier: RecipientOutcome | undefined): boolean {
  return !(earlier?.type === 'hard' && next.type === 'soft');
}
