import { isAscii } from 'node:buffer';

/**
 * Which Content-Transfer-Encoding a text or html body needs (RFC 2045 §2.7–2.8, RFC 6152).
 * Quoted-printable cost 73 % of a 100 KB html send (issue 20); most bodies need none of it:
 * text with short lines goes as it is, as 7bit when it is ASCII, as 8bit when the relay
 * offers 8BITMIME. Every scan here is a native one (indexOf, a regex, Buffer.byteLength), one
 * pass each, never a JavaScript loop over the characters.
 */
export type BodyEncoding = '7bit' | '8bit';

/** RFC 5322 §2.1.1: at most 998 octets per line, CRLF excluded. */
const MAX_LINE_OCTETS = 998;
/** A UTF-16 code unit is at most 3 UTF-8 octets: a line this short always fits. */
const SURELY_FITS = Math.floor(MAX_LINE_OCTETS / 3);
// Every code unit under 128 (a NUL is refused before this test).
const ASCII = /^[^\u0080-\uffff]*$/;

/** Every line (split on LF) fits in 998 octets once encoded as UTF-8. */
export function linesFit(text: string): boolean {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const units = end - start;
    // Octets ≥ code units, so a line over 998 units never fits; between the bounds, count.
    if (units > MAX_LINE_OCTETS) return false;
    if (units > SURELY_FITS && Buffer.byteLength(text.slice(start, end)) > MAX_LINE_OCTETS)
      return false;
    start = end + 1;
  }
  return true;
}

/**
 * The identity encoding a body can go out in, or undefined when it needs quoted-printable or
 * base64: a line over 998 octets, a NUL, or a CR (the wire turns a bare CR into a line break,
 * so the receiver would not get the text back), or 8-bit text to a relay without 8BITMIME.
 */
export function identityEncoding(
  text: string,
  eightBitMime: boolean,
  octets?: Buffer,
): BodyEncoding | undefined {
  if (octets) return octetsEncoding(octets, eightBitMime);
  if (text.includes('\r') || text.includes('\0') || !linesFit(text)) return undefined;
  if (ASCII.test(text)) return '7bit';
  return eightBitMime ? '8bit' : undefined;
}

/**
 * Per octets (a large body's, tested for the stand-in and for the part): one line scan, whose
 * line ends the wire reuses (wireOctets); false when the body cannot go as it is. The ends
 * stay as long as the octets do: 4 octets per line, ~6 % of a body of 70-octet lines. They are
 * kept on the octets (a hidden symbol property), not in a WeakMap, whose values V8's minor
 * collections keep alive (kept-octets.ts).
 */
const LINE_ENDS = Symbol('lineEnds');
type Scanned = Buffer & { [LINE_ENDS]?: Int32Array | false };

/**
 * identityEncoding from the text's UTF-8 octets (a large body's, body-octets.ts): CR, NUL and
 * LF are single octets, a line's length is its octet count, and the text is ASCII exactly
 * when its octets are — memchr and simdutf scans instead of UTF-16 ones and a byteLength per
 * long line (issue 20).
 */
function octetsEncoding(octets: Buffer, eightBitMime: boolean): BodyEncoding | undefined {
  if (!lineEndsIfFit(octets)) return undefined;
  if (isAscii(octets)) return '7bit';
  return eightBitMime ? '8bit' : undefined;
}

/** Grown as needed; the ends of one scan are copied out of it. */
let endsScratch = new Int32Array(4096);

/**
 * The offsets of every LF in the octets when the body can go as it is — no CR, no NUL, no
 * line over 998 octets — else undefined. Lines are found in the octets read as latin1 (one
 * character per octet): String#indexOf is a builtin, Buffer#indexOf a binding call whose
 * overhead, paid per line, made this scan cost ~90 µs for a 100 KB text of 1,400 lines (~11 µs
 * now; issue 20's profile).
 */
export function lineEndsIfFit(octets: Buffer): Int32Array | undefined {
  let ends = (octets as Scanned)[LINE_ENDS];
  if (ends === undefined) {
    ends = scanLines(octets);
    if (Object.isExtensible(octets)) Object.defineProperty(octets, LINE_ENDS, { value: ends });
  }
  return ends || undefined;
}

function scanLines(octets: Buffer): Int32Array | false {
  if (octets.indexOf(0x0d) >= 0 || octets.indexOf(0) >= 0) return false;
  const text = octets.toString('latin1');
  let count = 0;
  for (let start = 0; ;) {
    const end = text.indexOf('\n', start);
    if ((end < 0 ? text.length : end) - start > MAX_LINE_OCTETS) return false;
    if (end < 0) return endsScratch.slice(0, count);
    if (count === endsScratch.length) {
      const grown = new Int32Array(count * 2);
      grown.set(endsScratch);
      endsScratch = grown;
    }
    endsScratch[count++] = end;
    start = end + 1;
  }
}
