import type { IdempotencyRecord, IdempotencyStore } from '../../../idempotency/idempotency-store';

interface Held {
  record: IdempotencyRecord;
  expiresAt: number;
}

/**
 * Idempotency keys of the memory driver: one process, gone on restart like its emails.
 * Bounded by count as well as by TTL (at ~365 B a key, a TTL alone lets 100 keyed sends/s
 * hold ~3 GiB for a day): past `maxKeys` the oldest key is forgotten — its email has left
 * retention by then anyway, since the bound is the number of emails the driver keeps.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Insertion order is expiry order (one TTL for all), so pruning stops at the first live key. */
  private readonly keys = new Map<string, Held>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = Number.POSITIVE_INFINITY,
  ) {}

  claim(scopedKey: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    this.prune();
    const held = this.keys.get(scopedKey);
    if (held) return Promise.resolve(held.record);
    this.keys.set(scopedKey, { record, expiresAt: Date.now() + this.ttlMs });
    return Promise.resolve(undefined);
  }

  release(scopedKey: string, record: IdempotencyRecord): Promise<void> {
    if (this.keys.get(scopedKey)?.record.id === record.id) this.keys.delete(scopedKey);
    return Promise.resolve();
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, held] of this.keys) {
      if (held.expiresAt > now && this.keys.size < this.maxKeys) break;
      this.keys.delete(key);
    }
  }
}
