import { keepOctets, keptOctets } from '../../core/kept-octets';
import type { OutgoingEmail } from './mail-transport';

/**
 * A body at least this long (UTF-16 code units) is encoded to UTF-8 once per email and the
 * octets shared: the spool stores them (spool-payload.ts) and the SMTP engine sends them
 * (single-part.ts). Shorter bodies keep the plain string paths (issue 20).
 */
export const LARGE_BODY = 8 * 1024;

export type BodyField = 'text' | 'html';

/**
 * The UTF-8 octets of a large `text` or `html`: the ones the body parser kept (kept-octets.ts),
 * else encoded on first use and kept with the email object (so the accept commit and the first
 * attempt share one encoding); undefined for an absent or short body. A lone surrogate becomes
 * U+FFFD, as in any UTF-8 encoding of it.
 */
export function bodyOctets(email: OutgoingEmail, field: BodyField): Buffer | undefined {
  const source = email[field];
  if (typeof source !== 'string' || source.length < LARGE_BODY) return undefined;
  const known = keptOctets(email, field, source);
  if (known) return known;
  const octets = utf8(source);
  keepOctets(email, field, source, octets);
  return octets;
}

/** Room for any body up to 512 Ki code units (3 octets each at most); larger ones use Buffer.from. */
const SCRATCH_MAX = 3 * 512 * 1024;
let scratch: Buffer | undefined;

/**
 * UTF-8 in one pass: Buffer.from measures the string (a first pass over it) before writing;
 * writing into room for the worst case and copying out the octets written is cheaper.
 */
function utf8(source: string): Buffer {
  const room = source.length * 3;
  if (room > SCRATCH_MAX) return Buffer.from(source, 'utf8');
  if (!scratch || scratch.length < room)
    scratch = Buffer.allocUnsafeSlow(Math.max(room, 256 * 1024));
  const written = scratch.write(source, 0, 'utf8');
  const octets = Buffer.allocUnsafeSlow(written);
  scratch.copy(octets, 0, 0, written);
  return octets;
}

const REPLACEMENT = Buffer.from('\ufffd', 'utf8');

/**
 * Whether these octets may be read as the exact text they came from: they hold no U+FFFD,
 * which is what a lone surrogate turns into (JSON.stringify writes one as `\udXXX` instead).
 */
export function octetsExact(octets: Buffer): boolean {
  return octets.indexOf(REPLACEMENT) < 0;
}
