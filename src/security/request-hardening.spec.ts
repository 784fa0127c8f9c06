import { jsonDepthExceeds, refusedContentType } from './request-hardening';

describe('jsonDepthExceeds', () => {
  it('counts object and array nesting', () => {
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 2)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds('{"a":"[[[[{{{{\\"[[[["}', 1)).toBe(false);
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
