import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';
import { ingressPort, submit } from './ingress-client';

const KEY = 'jira-key-0123456789abcdef00';
const RAW =
  'From: jira@example.com\r\nTo: dev@example.org\r\nSubject: Grüße\r\nMessage-ID: <r-1@example.com>\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nStraße\r\n';

/** The redis driver (several replicas): a raw submission and its return path survive the job's JSON. */
describe('SMTP submission with the redis driver', () => {
  let sink: TestSmtpServer;
  let app: TestApp;
  const prefix = uniquePrefix('ingress');

  beforeAll(async () => {
    await requireRedis();
    sink = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        QUEUE_DRIVER: 'redis',
        REDIS_PREFIX: prefix,
        API_KEYS: `${KEY}=jira`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        BOUNCE_DOMAIN: 'bounces.example.com',
        BOUNCE_SECRET: 'redis-ingress-secret-0123456789abcdef',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
    await deletePrefix(prefix);
  });

  it('delivers the bytes as submitted with the per-email return path', async () => {
    const { id } = await submit(
      { port: ingressPort(app), secure: false, ignoreTLS: true, auth: { user: 'jira', pass: KEY } },
      {
        envelope: { from: 'jira@example.com', to: ['dev@example.org'] },
        raw: Buffer.from(RAW, 'utf8'),
      },
    );
    const [mail] = await sink.waitForMessages(1, 20_000);
    expect(mail.raw.toString('utf8')).toBe(`X-Mailwatch-Id: ${id}\r\n${RAW}`);
    expect(mail.envelope.from).toMatch(
      new RegExp(`^bounce\\+${id}\\.[0-9a-f]{16}@bounces\\.example\\.com$`),
    );
  });
});
