import fc from 'fast-check';
import { identityEncoding, linesFit } from './body-encoding';

describe('body encoding choice', () => {
  it.each([
    ['short ASCII lines', 'hello\nworld\n', true, '7bit'],
    ['ASCII lines up to 998 octets', `${'x'.repeat(998)}\nok`, true, '7bit'],
    ['ASCII without 8BITMIME', `${'x'.repeat(500)}\n`, false, '7bit'],
    ['UTF-8 with 8BITMIME', 'café €\n', true, '8bit'],
    ['UTF-8 without 8BITMIME', 'café €\n', false, undefined],
    ['a 999-octet line', `ok\n${'x'.repeat(999)}`, true, undefined],
    ['332 × € (996 octets)', '€'.repeat(332), true, '8bit'],
    ['333 × € (999 octets)', '€'.repeat(333), true, undefined],
    ['998 units but more octets', `${'x'.repeat(997)}é`, true, undefined],
    ['a bare CR', 'a\rb', true, undefined],
    ['CRLF line ends', 'a\r\nb', true, undefined],
    ['a NUL', 'a\0b', true, undefined],
    ['empty', '', true, '7bit'],
  ])('%s', (_name, text, eightBitMime, expected) => {
    expect(identityEncoding(text, eightBitMime)).toBe(expected);
    expect(identityEncoding(text, eightBitMime, Buffer.from(text))).toBe(expected);
  });

  it('decides the same from the UTF-8 octets as from the text', () => {
    const piece = fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\n', '\r', '\0', 'x'.repeat(300));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.boolean(), (pieces, eightBitMime) => {
        const text = pieces.join('');
        const octets = Buffer.from(text);
        expect(identityEncoding(text, eightBitMime, octets)).toBe(
          identityEncoding(text, eightBitMime),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('linesFit agrees with counting every line in UTF-8 octets', () => {
    const piece = fc.constantFrom(
      'a',
      'é',
      '€',
      '😀',
      '\n',
      'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), (pieces) => {
        const text = pieces.join('');
        const longest = Math.max(...text.split('\n').map((l) => Buffer.byteLength(l)));
        expect(linesFit(text)).toBe(longest <= 998);
      }),
      { numRuns: 300 },
    );
  });
});
