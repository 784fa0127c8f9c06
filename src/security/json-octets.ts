import { isAscii } from 'node:buffer';
import { keepOctets } from '../core/kept-octets';

/** A string this long (in octets) or longer keeps its octets and is decoded in pieces. */
const KEEP_FROM = 8 * 1024;
/** Octets per decoded piece: at most 32 Ki UTF-16 units, 64 KB, well under V8's 128 KB. */
const PIECE = 32 * 1024;
const NON_ASCII = /[\x80-\xff]/;

/**
 * Whether a JSON body may be parsed from its octets read as latin1 (one character per octet):
 * it has octets over 0x7f (else UTF-8 and latin1 read the same) and no `\u` escape, whose
 * character could not be told from an octet. JSON's syntax is ASCII and no UTF-8 sequence
 * holds an ASCII octet, so such a parse gives every value with its octets for characters;
 * decodeOctetStrings turns them into text. Why (issue 20): a 100 KB body with a € in it
 * decodes to a 200 KB two-byte string, and V8 puts strings over 128 KB in large-object
 * space — a fresh mapping per string, whose page faults cost ~0.7 ms each here; the decode
 * and JSON.parse each made one.
 */
export function parsableAsOctets(bytes: Buffer): boolean {
  return !isAscii(bytes) && bytes.indexOf('\\u') < 0;
}

/**
 * Decodes, in place, every string of a value parsed from latin1 octets (parsableAsOctets)
 * into the text its UTF-8 octets spell. A long string becomes a rope of pieces decoded one
 * by one, and its octets are kept with its object for the spool and the SMTP engine
 * (kept-octets.ts). False (the value half-decoded) when a key, or the value itself, is a
 * string that is not ASCII: the caller
 * parses the text as UTF-8 instead, as for any other body.
 *
 * `room`: the request's own octets, already parsed, which a long string's octets may be
 * written over instead of into a buffer of their own (see Room).
 */
export function decodeOctetStrings(value: unknown, room?: Buffer): boolean {
  const spare: Room = { octets: room, used: 0 };
  if (typeof value === 'string') return !NON_ASCII.test(value);
  if (value === null || typeof value !== 'object') return true;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop() as Record<string, unknown>;
    for (const key in node) {
      if (NON_ASCII.test(key)) return false;
      const child = node[key];
      if (typeof child === 'string') {
        if (NON_ASCII.test(child)) node[key] = decoded(node, key, child, spare);
      } else if (child !== null && typeof child === 'object') pending.push(child);
    }
  }
  return true;
}

/**
 * Where a long string's octets go. Each 100 KB Buffer of a request is external memory to V8,
 * and external memory, not the heap, is what started every full (mark-compact) collection
 * of a 100 KB text send (`--trace-incremental-marking`: "external memory pressure"), marking
 * the whole ~50 MB heap each time (issue 20). The request's octets are garbage once parsed,
 * and a string's octets are never more than its JSON text's, so they are written over them
 * and kept as a view of that buffer: one 100 KB allocation per request less. Only when they
 * fill most of it, so a kept view never holds much more than its own octets.
 */
interface Room {
  octets?: Buffer;
  used: number;
}

function octetsOf(latin1: string, room: Room): Buffer {
  const free = room.octets ? room.octets.length - room.used : 0;
  if (room.octets === undefined || latin1.length > free || latin1.length * 2 < free)
    return Buffer.from(latin1, 'latin1');
  const start = room.used;
  room.used += room.octets.write(latin1, start, 'latin1');
  return room.octets.subarray(start, room.used);
}

function decoded(owner: object, key: string, latin1: string, room: Room): string {
  if (latin1.length < KEEP_FROM) return Buffer.from(latin1, 'latin1').toString('utf8');
  const octets = octetsOf(latin1, room);
  let text = '';
  for (let at = 0; at < octets.length;) {
    let end = Math.min(octets.length, at + PIECE);
    // Never between a lead octet and its continuation octets (10xxxxxx): at most three steps
    // back, as a character has at most three; a longer run is invalid UTF-8 (each stray octet
    // decodes to U+FFFD alone), and walking further could reach `at` and never advance.
    for (let back = 0; back < 3 && end < octets.length && (octets[end] & 0xc0) === 0x80; back++)
      end--;
    text += octets.toString('utf8', at, end);
    at = end;
  }
  keepOctets(owner, key, text, octets);
  return text;
}
