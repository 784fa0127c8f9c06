import fc from 'fast-check';
import { hasPrototypeKeys, jsonDepthExceeds, refusedContentType } from './request-hardening';

/** The character-by-character reference the indexOf version must agree with. */
function referenceDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > max) return true;
    } else if (c === '}' || c === ']') depth--;
  }
  return false;
}

describe('jsonDepthExceeds', () => {
  it('counts object and array nesting', () => {
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 2)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds('{"a":"[[[[{{{{\\"[[[["}', 1)).toBe(false);
  });

  it('agrees with a character-by-character scan on any mix of quotes, escapes and brackets', () => {
    const piece = fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ':', ',');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.integer({ min: 0, max: 6 }),
        (parts, max) => {
          const text = parts.join('');
          expect(jsonDepthExceeds(text, max)).toBe(referenceDepthExceeds(text, max));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('counts brackets after a long string with escaped quotes and backslashes', () => {
    const body = JSON.stringify({ text: 'x\\"'.repeat(50_000), nested: [[[1]]] });
    expect(jsonDepthExceeds(body, 3)).toBe(true);
    expect(jsonDepthExceeds(body, 4)).toBe(false);
  });

  it('handles a 1 MB bracket bomb without recursion', () => {
    expect(jsonDepthExceeds('['.repeat(500_000) + ']'.repeat(500_000), 32)).toBe(true);
  });
});

describe('refusedContentType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset="UTF-8"',
  ])('accepts %s', (type) => expect(refusedContentType(type)).toBeUndefined());

  it.each([
    [undefined, /needs Content-Type/],
    ['application/x-www-form-urlencoded', /not accepted/],
    ['multipart/form-data; boundary=x', /not accepted/],
    ['text/plain', /not accepted/],
    ['application/json-patch+json', /not accepted/],
    ['application/json; charset=latin1', /UTF-8/],
  ])('refuses %s', (type, reason) => {
    expect(refusedContentType(type)).toMatch(reason);
  });
});

describe('hasPrototypeKeys', () => {
  it.each([
    ['{"__proto__":{"x":1}}', true],
    ['{"a":[{"b":{"constructor":{"prototype":{}}}}]}', true],
    ['{"a":{"\\u005f_proto__":1}}', true],
    ['{"a":"__proto__","b":["constructor"],"c":{"proto":1}}', false],
    ['[1,"x",null,{"d":[[{}]]}]', false],
    ['"__proto__"', false],
    ['null', false],
  ])('%s → %s', (text, expected) => {
    expect(hasPrototypeKeys(JSON.parse(text))).toBe(expected);
  });
});
