import { payloadBuffer } from './payload-pool';

/**
 * A message's text as it goes after DATA (RFC 5321 §4.5.2): CRLF line ends, dot-stuffed, then
 * the end-of-data line. Its input is ASCII, or octets read as latin1 (message-builder.ts).
 */
const LINE_END = /(?:\r\n|\r|\n)(\.?)/g;

/**
 * CRLF line ends and dot-stuffing (RFC 5321 §4.5.2) for text that starts a line, without the
 * end-of-data line. Most bodies have LF line ends and no line starting with a dot: for them
 * replaceAll (a builtin) instead of the regex, whose per-match replacement cost ~90 µs on a
 * 100 KB text of 1,400 lines (~30 µs now; issue 20). Otherwise one regex pass: each line end
 * becomes CRLF and a dot after it is doubled (`$1$1`).
 */
function stuffed(text: string): string {
  const wire =
    text.indexOf('\r') < 0 && text.indexOf('\n.') < 0
      ? text.replaceAll('\n', '\r\n')
      : text.replace(LINE_END, '\r\n$1$1');
  return text.charCodeAt(0) === 0x2e ? `.${wire}` : wire;
}

/** A message as it goes after DATA: stuffed, ending in CRLF, then the end-of-data line. */
export function toWire(message: string): string {
  let body = stuffed(message);
  if (!body.endsWith('\r\n')) body += '\r\n';
  return `${body}.\r\n`;
}

/**
 * The octets of toWire(head + body), for a head that ends with a line end: each part is
 * converted on its own and written straight into the payload, instead of joined into one
 * string that Buffer.from would first flatten (a copy of a large body; issue 20).
 */
export function wireParts(head: string, body: string): Buffer {
  const parts = [stuffed(head), stuffed(body)];
  if (!(parts[1] || parts[0]).endsWith('\r\n')) parts.push('\r\n');
  parts.push('.\r\n');
  const payload = payloadBuffer(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) at += payload.write(part, at, 'latin1');
  return payload;
}

/**
 * The octets of toWire(head + body as latin1), for a head that ends with a line end and a
 * body's UTF-8 octets with no CR whose LF offsets are `ends` (body-encoding.ts,
 * lineEndsIfFit): the body is copied line by line into the payload, a CR before each LF and
 * a dot before each line that starts with one. wireParts would read the octets as a latin1
 * string, convert it into a rope of pieces and flatten that: three copies of a 100 KB body
 * on the heap, which the garbage collector then had to scavenge and promote (issue 20).
 */
export function wireOctets(head: string, body: Buffer, ends: Int32Array): Buffer {
  const wireHead = stuffed(head);
  const last = body.length - 1;
  let dots = body[0] === 0x2e ? 1 : 0;
  for (let i = 0; i < ends.length; i++) if (body[ends[i] + 1] === 0x2e) dots++;
  const closed = body.length === 0 ? wireHead.endsWith('\r\n') : body[last] === 0x0a;
  const size = wireHead.length + body.length + ends.length + dots + (closed ? 0 : 2) + 3;
  const payload = payloadBuffer(size);
  let at = payload.write(wireHead, 0, 'latin1');
  let start = 0;
  for (let i = 0; i <= ends.length; i++) {
    const end = i < ends.length ? ends[i] : body.length;
    if (start > last) break;
    if (body[start] === 0x2e) payload[at++] = 0x2e;
    at += body.copy(payload, at, start, end);
    if (i < ends.length) {
      payload[at++] = 0x0d;
      payload[at++] = 0x0a;
    }
    start = end + 1;
  }
  if (!closed) at += payload.write('\r\n', at, 'latin1');
  payload.write('.\r\n', at, 'latin1');
  return payload;
}
