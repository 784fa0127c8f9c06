import { createHash } from 'node:crypto';
import type { OutgoingEmail } from '../transport/mail-transport';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * SHA-256 of the normalised email with keys sorted and absent fields dropped, so `to: "a"`
 * and `to: ["a"]`, or a different property order, count as the same request.
 */
export function requestFingerprint(email: OutgoingEmail): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(email)))
    .digest('hex');
}

/** The idempotency key as stored: per client, hashed so any header text is a safe key. */
export function scopedIdempotencyKey(client: string, key: string): string {
  return createHash('sha256').update(`${client}\n${key}`).digest('hex');
}
