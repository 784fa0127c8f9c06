import type { IdempotencyRecord, IdempotencyStore } from '../../../idempotency/idempotency-store';
import type { SpoolStore } from './spool-store';

export interface KeyReservation {
  key: string;
  record: IdempotencyRecord;
  expiresAt: number;
}

/**
 * Idempotency keys of the spool driver, on disk beside the emails. A claim only reserves
 * the key in memory; the key row is written by the spool queue in the same transaction as
 * its email, so a key on disk always has its email and a failed enqueue leaves no key.
 * Reservations live only while their enqueue is in flight, so memory stays bounded.
 */
export class SpoolIdempotencyStore implements IdempotencyStore {
  private readonly reserved = new Map<string, KeyReservation>();
  private readonly byEmail = new Map<string, KeyReservation>();

  constructor(
    private readonly store: SpoolStore,
    private readonly ttlMs: number,
  ) {}

  claim(scopedKey: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const held = this.reserved.get(scopedKey)?.record ?? this.store.getKey(scopedKey, Date.now());
    if (held) return Promise.resolve(held);
    const reservation = { key: scopedKey, record, expiresAt: Date.now() + this.ttlMs };
    this.reserved.set(scopedKey, reservation);
    this.byEmail.set(record.id, reservation);
    return Promise.resolve(undefined);
  }

  release(scopedKey: string, record: IdempotencyRecord): Promise<void> {
    if (this.reserved.get(scopedKey)?.record.id === record.id) this.forget(record.id);
    return Promise.resolve();
  }

  /** The key reserved for this email, for the queue to write with it. */
  reservationFor(emailId: string): KeyReservation | undefined {
    return this.byEmail.get(emailId);
  }

  /** The key is on disk now; the reservation is no longer needed. */
  forget(emailId: string): void {
    const reservation = this.byEmail.get(emailId);
    if (!reservation) return;
    this.byEmail.delete(emailId);
    this.reserved.delete(reservation.key);
  }
}
