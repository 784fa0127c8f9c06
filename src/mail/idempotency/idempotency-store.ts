/** DI token of the driver's IdempotencyStore. */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

export interface IdempotencyRecord {
  /** The email the key was first used for. */
  id: string;
  /** Fingerprint of that request's normalised body. */
  fingerprint: string;
}

/**
 * Remembers Idempotency-Key → email for a retention window. `claim` is atomic: of several
 * concurrent claims of one key exactly one gets `undefined` (it owns the key), every other
 * gets the owner's record.
 */
export interface IdempotencyStore {
  claim(scopedKey: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;
  /** Forgets a claim whose email was never stored, so the client can try again. */
  release(scopedKey: string, record: IdempotencyRecord): Promise<void>;
}
