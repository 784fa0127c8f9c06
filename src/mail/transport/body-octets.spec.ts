import fc from 'fast-check';
import { bodyOctets, LARGE_BODY, octetsExact } from './body-octets';
import type { OutgoingEmail } from './mail-transport';

const email = (fields: Partial<OutgoingEmail>): OutgoingEmail => ({
  from: 'a@example.com',
  to: ['b@example.com'],
  subject: 's',
  ...fields,
});

describe('bodyOctets', () => {
  it('is Buffer.from of a large body, lone surrogates included', () => {
    const piece = fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\udfff', '\n', '\0');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const text = 'x'.repeat(LARGE_BODY) + pieces.join('');
        expect(bodyOctets(email({ text }), 'text')!.equals(Buffer.from(text))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves short and absent bodies alone', () => {
    expect(bodyOctets(email({ text: 'short' }), 'text')).toBeUndefined();
    expect(bodyOctets(email({ text: 'x'.repeat(LARGE_BODY) }), 'html')).toBeUndefined();
  });

  it('encodes once per email and body, again when the body changes', () => {
    const e = email({ html: 'é'.repeat(LARGE_BODY) });
    const first = bodyOctets(e, 'html');
    expect(bodyOctets(e, 'html')).toBe(first);
    e.html = 'ü'.repeat(LARGE_BODY);
    expect(bodyOctets(e, 'html')!.equals(Buffer.from(e.html))).toBe(true);
  });

  it('tells octets that may hide a lone surrogate', () => {
    expect(octetsExact(Buffer.from('café'))).toBe(true);
    expect(octetsExact(Buffer.from('a\ud800b'))).toBe(false);
    expect(octetsExact(Buffer.from('a\ufffdb'))).toBe(false);
  });
});
