import { jsonDepthExceeds } from './request-hardening';

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
