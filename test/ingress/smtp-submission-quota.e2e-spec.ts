import { register } from 'prom-client';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';
import { untilQueueEmpty } from '../support/wait';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'printer-key-0123456789abcdef';

/**
 * A client over its CLIENT_QUOTAS budget submitting over SMTP (issue 23): `451 4.7.1` (the
 * HTTP API's 429 quota_exceeded), so its MTA keeps the message and retries; nothing is queued.
 */
describe('SMTP submission over quota', () => {
  let sink: TestSmtpServer;
  let app: TestApp;

  beforeAll(async () => {
    sink = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        API_KEYS: `${KEY}=printer`,
        CLIENT_QUOTAS: 'printer:1/h',
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
  });

  it('answers 451 4.7.1 past the budget, counts refused_quota and sends nothing more', async () => {
    const client = {
      port: ingressPort(app),
      secure: false,
      ignoreTLS: true,
      auth: { user: 'printer', pass: KEY },
    };
    const message = (n: number) => ({
      from: 'printer@example.com',
      to: 'office@example.org',
      subject: `scan ${n}`,
      text: 'attached',
    });
    expect((await submit(client, message(1))).response).toMatch(/^250 2\.0\.0 queued as/);
    const over = await refusal(client, message(2));

    expect(over.code).toBe(451);
    expect(over.response).toMatch(
      /^451 4\.7\.1 client printer has sent its quota of emails for this hour .*nothing was queued, retry after \d+ s/,
    );
    await untilQueueEmpty(app);
    expect(sink.received.map((m) => m.parsed.subject)).toEqual(['scan 1']);
    const metrics = await register.metrics();
    expect(metrics).toMatch(
      /smtp_ingress_messages_total\{client="printer",result="refused_quota"\} 1/,
    );
    expect(metrics).toMatch(/smtp_ingress_messages_total\{client="printer",result="accepted"\} 1/);
  });
});
