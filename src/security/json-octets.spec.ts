import fc from 'fast-check';
import { keptOctets } from '../core/kept-octets';
import { decodeOctetStrings, parsableAsOctets } from './json-octets';

/** The body parser's octet path: latin1 parse, then decode. */
function viaOctets(json: string): unknown {
  const bytes = Buffer.from(json);
  if (!parsableAsOctets(bytes)) return JSON.parse(json);
  const value: unknown = JSON.parse(bytes.toString('latin1'));
  return decodeOctetStrings(value, bytes) ? value : 'refused';
}

describe('json-octets (issue 20)', () => {
  const piece = fc.constantFrom('a', 'é', '€', '😀', '\n', '"', '\\', '\t', 'ß', '\u0085');

  it('reads every value of a JSON body as JSON.parse of its UTF-8 text does', () => {
    const text = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('to', 'subject', 'text'), text), text, (o, t) => {
        const json = JSON.stringify({ ...o, list: [t, { t }], n: 1.5 });
        expect(viaOctets(json)).toEqual(JSON.parse(json));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes a long string in pieces, never splitting a character, and keeps its octets', () => {
    for (const unit of ['€', '😀', 'é', 'a€']) {
      const text = `x${unit.repeat(40_000)}`;
      const body = JSON.parse(Buffer.from(JSON.stringify({ text })).toString('latin1')) as {
        text: string;
      };
      expect(decodeOctetStrings(body)).toBe(true);
      expect(body.text).toBe(text);
      expect(keptOctets(body, 'text', body.text)!.equals(Buffer.from(text))).toBe(true);
    }
  });

  it("keeps a long string's octets over the request's own when they fill most of it", () => {
    const text = 'price 5 € café\n'.repeat(1000);
    const html = `<p>${'Zürich '.repeat(2000)}</p>`;
    const json = Buffer.from(JSON.stringify({ to: 'a@example.com', text, html }));
    const room = Buffer.from(json);
    const body = JSON.parse(room.toString('latin1')) as { text: string; html: string };
    expect(decodeOctetStrings(body, room)).toBe(true);
    expect([body.text, body.html]).toEqual([text, html]);
    const octets = [keptOctets(body, 'text', body.text)!, keptOctets(body, 'html', body.html)!];
    expect(octets.map((o) => o.toString('utf8'))).toEqual([text, html]);
    expect(octets.every((o) => o.buffer === room.buffer)).toBe(true);
    // A long string in a much larger body gets octets of its own: a kept view of the whole
    // request would hold the rest of it too.
    const padded = Buffer.from(JSON.stringify({ text, pad: 'x'.repeat(60_000) }));
    const other = JSON.parse(padded.toString('latin1')) as { text: string };
    expect(decodeOctetStrings(other, padded)).toBe(true);
    expect(keptOctets(other, 'text', other.text)!.buffer).not.toBe(padded.buffer);
    expect(other.text).toBe(text);
  });

  it('decodes invalid UTF-8 as the whole-body decode does, and ends on long runs of stray octets', () => {
    const strays = Buffer.alloc(70_000, 0x80);
    const mixed = Buffer.concat([Buffer.from('€'), strays, Buffer.from([0xf0, 0x9f]), strays]);
    for (const octets of [strays, mixed]) {
      const body = Buffer.concat([Buffer.from('{"text":"'), octets, Buffer.from('"}')]);
      expect(parsableAsOctets(body)).toBe(true);
      const value = JSON.parse(body.toString('latin1')) as { text: string };
      expect(decodeOctetStrings(value)).toBe(true);
      expect(value.text).toBe(octets.toString('utf8'));
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 9_000, maxLength: 40_000 }), (raw) => {
        const octets = Buffer.from(
          raw.map((b) => (b < 0x20 || b === 0x22 || b === 0x5c ? 0x80 : b)),
        );
        const value = JSON.parse(`{"text":"${octets.toString('latin1')}"}`) as { text: string };
        expect(decodeOctetStrings(value)).toBe(true);
        expect(value.text).toBe(octets.toString('utf8'));
      }),
      { numRuns: 50 },
    );
  });

  it('leaves \\u escapes, ASCII bodies and non-ASCII keys to the UTF-8 parse', () => {
    expect(parsableAsOctets(Buffer.from('{"a":"\\u20ac é"}'))).toBe(false);
    expect(parsableAsOctets(Buffer.from('{"a":"plain"}'))).toBe(false);
    expect(viaOctets('{"clé":"é"}')).toBe('refused');
    expect(viaOctets('"é"')).toBe('refused');
  });
});
