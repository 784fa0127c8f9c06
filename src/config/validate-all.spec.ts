import { ConfigValidationErrors, validateEnvironment } from './validate-all';

const PRODUCTION = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://relay.example.com:587',
  API_KEYS: 'aaaaaaaaaaaaaaaa1=billing',
  ALLOWED_SENDER_DOMAINS: 'example.com',
  MAIL_FROM: 'Mailwatch <noreply@example.com>',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigValidationErrors)) throw err;
    return err.problems.map((problem) => problem.variable);
  }
}

describe(validateEnvironment.name, () => {
  it('starts a complete production configuration', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  it('requires MAIL_FROM in production, and only there', () => {
    const { MAIL_FROM: _, ...withoutSender } = PRODUCTION;
    expect(problemsOf(withoutSender)).toEqual(['MAIL_FROM']);
    expect(problemsOf({ ...withoutSender, NODE_ENV: 'development' })).toEqual([]);
  });

  it.each([
    ['outside ALLOWED_SENDER_DOMAINS', { MAIL_FROM: 'mailwatch@localhost' }],
    ['not an address', { MAIL_FROM: 'noreply' }],
    [
      'allowed for no client of CLIENT_SENDERS',
      { ALLOWED_SENDER_DOMAINS: '', CLIENT_SENDERS: 'billing:billing@example.com' },
    ],
  ])('refuses a MAIL_FROM %s', (_, change) => {
    expect(problemsOf({ ...PRODUCTION, ...change })).toEqual(['MAIL_FROM']);
  });

  it('accepts a MAIL_FROM that CLIENT_SENDERS allows', () => {
    const env = { ...PRODUCTION, ALLOWED_SENDER_DOMAINS: '', CLIENT_SENDERS: 'crm:example.com' };
    expect(problemsOf(env)).toEqual([]);
  });

  it('reports every missing and invalid setting at once, each once, in one line', () => {
    const env = {
      NODE_ENV: 'production',
      PORT: 'abc',
      SEND_WAIT_MS: '-1',
      QUEUE_DRIVER: 'kafka',
      API_KEYS: 'aaaaaaaaaaaaaaaa1=billing;bbbbbbbbbbbbbbbb2=crm',
    };
    let error: ConfigValidationErrors | undefined;
    try {
      validateEnvironment(env);
    } catch (err) {
      error = err as ConfigValidationErrors;
    }
    expect(error?.problems.map((p) => p.variable).sort()).toEqual(
      [
        'ALLOWED_SENDER_DOMAINS',
        'API_KEYS',
        'MAIL_FROM',
        'PORT',
        'QUEUE_DRIVER',
        'SEND_WAIT_MS',
        'SMTP_URL',
      ].sort(),
    );
    expect(error?.message).toMatch(/^7 settings are missing or invalid: /);
    expect(error?.message).not.toContain('\n');
    expect(error?.message).not.toContain('aaaa');
  });
});

describe('EMAIL_DURATION_BUCKETS', () => {
  it.each(['0.5,0.1', '0,1', '-1,2', 'a,b', '1,1', ' , '])(
    'refuses %p, naming the variable',
    (value) => {
      expect(() => validateEnvironment({ EMAIL_DURATION_BUCKETS: value })).toThrow(
        /EMAIL_DURATION_BUCKETS must be 1-30 positive numbers of seconds in ascending order/,
      );
    },
  );

  it('accepts finer ascending buckets', () => {
    expect(() =>
      validateEnvironment({
        EMAIL_DURATION_BUCKETS: '0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10',
      }),
    ).not.toThrow();
  });
});
