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

  it('refuses RATE_LIMIT_PER_MINUTE together with RATE_LIMIT', () => {
    expect(() => configWith({ RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT: '3' })).toThrow(
      /RATE_LIMIT_PER_MINUTE/,
    );
    const config = configWith({ RATE_LIMIT_PER_MINUTE: '5' });
    expect([config.rateLimit, config.rateLimitWindowMs]).toEqual([5, 60_000]);
  });
});
