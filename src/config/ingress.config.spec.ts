import { parseAllConfig } from './namespaces';
import { checkAcrossNamespaces } from './startup-checks';
import { parseIngressConfig } from './ingress.config';

describe(parseIngressConfig.name, () => {
  it('keeps the listener off by default', () => {
    expect(parseIngressConfig({}).port).toBeUndefined();
  });

  it('names the variable of a half-configured certificate or an unreadable file', () => {
    expect(() => parseIngressConfig({ SMTP_INGRESS_TLS_CERT: '/x.pem' })).toThrow(
      /SMTP_INGRESS_TLS_KEY must be set together with SMTP_INGRESS_TLS_CERT/,
    );
    expect(() =>
      parseIngressConfig({ SMTP_INGRESS_TLS_CERT: '/nope.pem', SMTP_INGRESS_TLS_KEY: '/nope.key' }),
    ).toThrow(/SMTP_INGRESS_TLS_CERT cannot be read/);
    expect(() => parseIngressConfig({ SMTP_INGRESS_IMPLICIT_TLS: 'true' })).toThrow(
      /SMTP_INGRESS_IMPLICIT_TLS needs SMTP_INGRESS_TLS_CERT/,
    );
  });

  it('refuses a listener that would take API keys over cleartext, unless allowed explicitly', () => {
    const env = { SMTP_INGRESS_PORT: '2525', API_KEYS: 'key-0123456789abcdef=billing' };
    expect(() => checkAcrossNamespaces(parseAllConfig(env))).toThrow(
      /SMTP_INGRESS_TLS_CERT and SMTP_INGRESS_TLS_KEY must be set when SMTP_INGRESS_PORT is/,
    );
    const allowed = { ...env, SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true' };
    expect(() => checkAcrossNamespaces(parseAllConfig(allowed))).not.toThrow();
  });
});
