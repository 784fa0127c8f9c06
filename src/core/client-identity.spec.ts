import { resolveClient, sanitizeClientId } from './client-identity';

describe(sanitizeClientId.name, () => {
  it.each([
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['   ', 'unknown'],
    ['billing', 'billing'],
    ['team.web-1_a', 'team.web-1_a'],
    ['evil"}\nclient', 'evil___client'],
    [['first', 'second'], 'first'],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeClientId(raw)).toBe(expected);
  });
});

describe(resolveClient.name, () => {
  it('prefers the authenticated client over X-Client-ID', () => {
    expect(
      resolveClient({ headers: { 'x-client-id': 'spoofed' }, authenticatedClient: 'billing' }),
    ).toBe('billing');
    expect(resolveClient({ headers: { 'x-client-id': 'web' } })).toBe('web');
  });
});
