import { register } from 'prom-client';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'gitlab-key-0123456789abcdef';

/**
 * The store unavailable (issue 23): with the redis driver and its Redis gone, a submission is
 * answered `451 4.3.0` (the HTTP API's 503), so the tool's MTA keeps it and retries; once
 * Redis is back the same submission gets its 250.
 */
describe('SMTP submission while the store is unavailable', () => {
  let redis: DedicatedRedis;
  let sink: TestSmtpServer;
  let app: TestApp;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    sink = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('ingress-outage'),
        REDIS_TIMEOUT_MS: '500',
        API_KEYS: `${KEY}=gitlab`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
    await redis?.stop();
  });

  it('answers 451 4.3.0 while Redis is down, then 250 once it is back', async () => {
    const client = {
      port: ingressPort(app),
      secure: false,
      ignoreTLS: true,
      auth: { user: 'gitlab', pass: KEY },
    };
    const message = { from: 'ci@example.com', to: 'dev@example.org', subject: 'p', text: 'x' };

    await redis.stop();
    await until('/readyz to report 503', async () => {
      return (await request(`${app.url}/readyz`)).status === 503;
    });
    const refused = await refusal(client, message);
    expect(refused.code).toBe(451);
    expect(refused.response).toMatch(/^451 4\.3\.0 .*try again later/);
    expect(refused.response).not.toMatch(/127\.0\.0\.1|redis:\/\//i);
    expect(await register.metrics()).toMatch(
      /smtp_ingress_messages_total\{client="gitlab",result="unavailable"\} 1/,
    );

    await redis.start();
    await until('/readyz to report 200', async () => {
      return (await request(`${app.url}/readyz`)).status === 200;
    });
    const { response, id } = await submit(client, message);
    expect(response).toMatch(/^250 2\.0\.0 queued as/);
    const [mail] = await sink.waitForMessages(1, 20_000);
    expect(mail.raw.toString('latin1')).toContain(`X-Mailwatch-Id: ${id}`);
  });
});
