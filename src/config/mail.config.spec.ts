import { ConfigValidationError } from './env-reader';
import { parseMailConfig } from './mail.config';

describe('parseMailConfig: SMTP engine settings', () => {
  it('defaults: the engine, relay "primary", opportunistic STARTTLS', () => {
    expect(parseMailConfig({})).toMatchObject({
      smtpTransport: 'engine',
      smtpRelayName: 'primary',
      smtpStarttls: 'opportunistic',
      smtpMaxMessagesPerConnection: 100,
      smtpAttemptTimeoutMs: 60_000,
      smtpHealthIntervalMs: 15_000,
    });
  });

  it.each([
    ['SMTP_RELAY_NAME', 'smtp.example.com'],
    ['SMTP_RELAY_NAME', 'Primary'],
    ['SMTP_RELAY_NAME', 'x'.repeat(33)],
    ['SMTP_TRANSPORT', 'sendmail'],
    ['SMTP_STARTTLS', 'sometimes'],
    ['SMTP_MAX_MESSAGES_PER_CONNECTION', '0'],
    ['SMTP_ATTEMPT_TIMEOUT_MS', '10'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    expect(() => parseMailConfig({ [name]: value })).toThrow(ConfigValidationError);
    expect(() => parseMailConfig({ [name]: value })).toThrow(name);
  });

  it('accepts an operator-chosen relay name', () => {
    expect(parseMailConfig({ SMTP_RELAY_NAME: 'eu-relay_2' }).smtpRelayName).toBe('eu-relay_2');
  });
});
