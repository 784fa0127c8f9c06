import { parseSecurityConfig } from '../config/security.config';
import { ApiKeys } from './api-keys';

function configWith(env: Record<string, string>) {
  return parseSecurityConfig(env);
}

describe(ApiKeys.name, () => {
  it('maps each key to its client and refuses near misses', () => {
    const sut = new ApiKeys(
      configWith({ API_KEYS: 'aaaaaaaaaaaaaaaa1=one, bbbbbbbbbbbbbbbb2=two' }),
    );
    expect(sut.enabled).toBe(true);
    expect(sut.clientFor('aaaaaaaaaaaaaaaa1')).toBe('one');
    expect(sut.clientFor('bbbbbbbbbbbbbbbb2')).toBe('two');
    expect(sut.clientFor('aaaaaaaaaaaaaaaa')).toBeUndefined();
    expect(sut.clientFor('')).toBeUndefined();
  });

  it('gives operator scope to the clients OPERATOR_CLIENTS names, and only to them', () => {
    const sut = new ApiKeys(
      configWith({
        API_KEYS: 'aaaaaaaaaaaaaaaa1=platform, bbbbbbbbbbbbbbbb2=billing',
        OPERATOR_CLIENTS: 'platform',
      }),
    );
    expect(sut.isOperator('platform')).toBe(true);
    expect(sut.isOperator('billing')).toBe(false);
    expect(new ApiKeys(configWith({ API_KEYS: '' })).isOperator('platform')).toBe(false);
    expect(() => configWith({ OPERATOR_CLIENTS: 'ok, bad client' })).toThrow(/OPERATOR_CLIENTS/);
  });

  it('is disabled without keys', () => {
    expect(new ApiKeys(configWith({ API_KEYS: '' })).enabled).toBe(false);
  });

  it('rejects short keys and bad client names without echoing the key', () => {
    expect(() => configWith({ API_KEYS: 'short=one' })).toThrow(
      'Invalid configuration: API_KEYS entry 1 has a key shorter than 16 characters (value not shown)',
    );
    let message = '';
    try {
      configWith({ API_KEYS: 'aaaaaaaaaaaaaaaa1=bad client' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: API_KEYS entry 1 must be key=client/);
    expect(message).not.toContain('aaaaaaaaaaaaaaaa1');
  });

  it.each([
    [
      'a ";" between entries',
      'aaaaaaaaaaaaaaaa1=billing;bbbbbbbbbbbbbbbb2=crm',
      /entry 1 must be one key=client pair \(entries are separated by commas, not ";"\)/,
    ],
    [
      'a space between entries',
      'aaaaaaaaaaaaaaaa1=billing bbbbbbbbbbbbbbbb2=crm',
      /not whitespace/,
    ],
    ['"=" inside a key', 'aaaa=aaaaaaaaaaaaaaa1=billing', /entry 1 must be one key=client pair/],
    [
      '";" inside a key',
      'aaaaaaaa;aaaaaaaaa1=billing',
      /entry 1 has a key with a character outside .* \(entries are separated by commas, not ";"\)/,
    ],
    [
      'a quote inside a key',
      'bbbbbbbbbbbbbbbb2=crm,"aaaaaaaaaaaaaaaa1"=billing',
      /entry 2 has a key with a character outside/,
    ],
    [
      'one key for two clients',
      'aaaaaaaaaaaaaaaa1=billing,aaaaaaaaaaaaaaaa1=crm',
      /entries 1 and 2 .* are the same key, for clients billing and crm/,
    ],
  ])('refuses %s in one line that never shows the key', (_, value, expected) => {
    let message = '';
    try {
      configWith({ API_KEYS: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(expected);
    expect(message).toMatch(/^Invalid configuration: API_KEYS /);
    expect(message).not.toContain('\n');
    expect(message).not.toMatch(/aaaa|bbbb/);
  });

  it('accepts bearer-token characters and blanks around the commas', () => {
    const sut = new ApiKeys(
      configWith({ API_KEYS: ' Ab0-._~+/Ab0-._~+/=one ,  ccccccccccccccccc=two ' }),
    );
    expect(sut.clientFor('Ab0-._~+/Ab0-._~+/')).toBe('one');
    expect(sut.clientFor('ccccccccccccccccc')).toBe('two');
  });

  it('refuses RATE_LIMIT_PER_MINUTE together with RATE_LIMIT', () => {
    expect(() => configWith({ RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT: '3' })).toThrow(
      /RATE_LIMIT_PER_MINUTE/,
    );
    const config = configWith({ RATE_LIMIT_PER_MINUTE: '5' });
    expect([config.rateLimit, config.rateLimitWindowMs]).toEqual([5, 60_000]);
  });
});
