import { keepOctets } from '../../../../core/kept-octets';
import { bodyOctets, octetsExact, type BodyField } from '../../../transport/body-octets';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { BodyOctets, StoredPayload } from './spool-row';

const BODY_FIELDS: readonly BodyField[] = ['text', 'html'];

/**
 * The stored payload: the OutgoingEmail as JSON, and a large body (issue 20) beside it as its
 * UTF-8 octets — the ones shared with the SMTP engine (body-octets.ts) — in its own BLOB
 * column (schema 2). Escaping 100 KB into JSON, copying it into one buffer and binding that
 * was a tenth of a large send's CPU; a BLOB is bound as it is. Bodies with a U+FFFD (maybe a
 * lone surrogate, which only JSON keeps as written) stay in the JSON.
 */
export function payloadOf(email: OutgoingEmail): { json: string; octets?: BodyOctets } {
  let rest: Record<string, unknown> | undefined;
  const octets: BodyOctets = {};
  for (const field of BODY_FIELDS) {
    const encoded = bodyOctets(email, field);
    if (!encoded) continue;
    if (!octetsExact(encoded)) return { json: JSON.stringify(email) };
    rest ??= { ...email };
    delete rest[field];
    octets[field] = encoded;
  }
  return rest ? { json: JSON.stringify(rest), octets } : { json: JSON.stringify(email) };
}

/** The email a stored payload holds, its large bodies' octets kept for the engine. */
export function emailOf(stored: StoredPayload): OutgoingEmail {
  const email = JSON.parse(stored.payload) as OutgoingEmail;
  for (const [field, column] of [
    ['text', stored.text_octets],
    ['html', stored.html_octets],
  ] as const) {
    if (!column) continue;
    const octets = Buffer.from(column.buffer, column.byteOffset, column.byteLength);
    const text = octets.toString('utf8');
    email[field] = text;
    keepOctets(email, field, text, octets);
  }
  return email;
}
