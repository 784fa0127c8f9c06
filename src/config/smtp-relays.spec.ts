import { ConfigValidationError } from './env-reader';
import { parseMailConfig } from './mail.config';

describe('parseMailConfig: SMTP_URL relays', () => {
  it('one URL is one relay named by SMTP_RELAY_NAME, as before', () => {
    const sut = parseMailConfig({
      SMTP_URL: 'smtp://u:p@relay.example:2525',
      SMTP_RELAY_NAME: 'eu',
    });
    expect(sut.smtpRelays).toEqual([
      expect.objectContaining({ name: 'eu', host: 'relay.example', port: 2525, user: 'u' }),
    ]);
    expect(sut.smtp).toBe(sut.smtpRelays[0]);
  });

  it('a list in failover order, named or derived', () => {
    const sut = parseMailConfig({
      SMTP_URL: 'smtp://a.example, smtps://b.example , backup=smtp://c.example:25',
    });
    expect(sut.smtpRelays.map((r) => [r.name, r.host, r.port])).toEqual([
      ['primary', 'a.example', 587],
      ['secondary', 'b.example', 465],
      ['backup', 'c.example', 25],
    ]);
  });

  it('SMTP_RATE_LIMIT for every relay or per name', () => {
    const all = parseMailConfig({
      SMTP_URL: 'smtp://a.example,smtp://b.example',
      SMTP_RATE_LIMIT: '14',
    });
    expect(all.smtpRelays.map((r) => r.maxPerSecond)).toEqual([14, 14]);
    const one = parseMailConfig({
      SMTP_URL: 'ses=smtp://a.example,smtp://b.example',
      SMTP_RATE_LIMIT: 'ses=14',
    });
    expect(one.smtpRelays.map((r) => r.maxPerSecond)).toEqual([14, 0]);
  });

  it.each([
    [{ SMTP_URL: 'smtp://a.example,smtp://b.example', SMTP_TRANSPORT: 'mailer' }, 'SMTP_URL'],
    [{ SMTP_URL: 'x=smtp://a.example,x=smtp://b.example' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://a.example,http://b.example' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://a.example', SMTP_RATE_LIMIT: 'fast' }, 'SMTP_RATE_LIMIT'],
    [{ SMTP_URL: 'smtp://a.example', SMTP_RATE_LIMIT: 'nope=3' }, 'SMTP_RATE_LIMIT'],
    [{ SMTP_PROBE_MIN_MS: '5000', SMTP_PROBE_MAX_MS: '1000' }, 'SMTP_PROBE_MAX_MS'],
  ])('%j is refused, naming %s', (env, variable) => {
    expect(() => parseMailConfig(env)).toThrow(ConfigValidationError);
    expect(() => parseMailConfig(env)).toThrow(variable);
  });

  it('a refused list never shows the credentials', () => {
    expect(() =>
      parseMailConfig({ SMTP_URL: 'smtp://u:secret@a.example,ftp://u:secret@b' }),
    ).toThrow(/^(?!.*secret)/);
  });
});
