import fc from 'fast-check';
import { keptOctets } from '../core/kept-octets';
import { decodeOctetStrings, parsableAsOctets } from './json-octets';

/** The body parser's octet path: latin1 parse, then decode. */
function viaOctets(json: string): unknown {
  const bytes = Buffer.from(json);
  if (!parsableAsOctets(bytes)) return JSON.parse(json);
  const value: unknown = JSON.parse(bytes.toString('latin1'));
  return decodeOctetStrings(value) ? value : 'refused';
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

  it('leaves \\u escapes, ASCII bodies and non-ASCII keys to the UTF-8 parse', () => {
    expect(parsableAsOctets(Buffer.from('{"a":"\\u20ac é"}'))).toBe(false);
    expect(parsableAsOctets(Buffer.from('{"a":"plain"}'))).toBe(false);
    expect(viaOctets('{"clé":"é"}')).toBe('refused');
    expect(viaOctets('"é"')).toBe('refused');
  });
});
