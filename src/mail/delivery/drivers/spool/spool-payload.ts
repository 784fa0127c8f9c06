import { bodyOctets, octetsExact, type BodyField } from '../../../transport/body-octets';
import type { OutgoingEmail } from '../../../transport/mail-transport';

const BODY_FIELDS: readonly BodyField[] = ['text', 'html'];

/**
 * The stored payload: the OutgoingEmail as JSON, in UTF-8. Small emails are JSON.stringify'd
 * and bound as a string, as always. With a large body (issue 20) the same JSON is written
 * straight as UTF-8 octets: the body's octets (shared with the SMTP engine, body-octets.ts)
 * are escaped as a one-byte latin1 string — JSON escapes only ASCII characters (controls,
 * `"`, `\`), so escaping the octets is escaping the text — instead of stringifying the
 * two-byte body and encoding that again at bind time. The body fields come last; JSON.parse
 * reads back the same email. Bodies with a U+FFFD (maybe a lone surrogate, which
 * JSON.stringify escapes) take the string path. SpoolStore binds a Buffer as TEXT.
 */
export function payloadOf(email: OutgoingEmail): string | Buffer {
  let rest: Record<string, unknown> | undefined;
  const bodies: Array<[BodyField, Buffer]> = [];
  for (const field of BODY_FIELDS) {
    const octets = bodyOctets(email, field);
    if (!octets) continue;
    if (!octetsExact(octets)) return JSON.stringify(email);
    rest ??= { ...email };
    delete rest[field];
    bodies.push([field, octets]);
  }
  if (!rest) return JSON.stringify(email);
  const head = JSON.stringify(rest);
  // `{…}` without its closing brace; a comma unless the rest is empty.
  let tail = head.length > 2 ? ',' : '';
  const parts = [Buffer.from(head.slice(0, -1), 'utf8')];
  for (const [field, octets] of bodies) {
    parts.push(
      Buffer.from(`${tail}"${field}":${JSON.stringify(octets.toString('latin1'))}`, 'latin1'),
    );
    tail = ',';
  }
  parts.push(Buffer.from('}', 'latin1'));
  return Buffer.concat(parts);
}
