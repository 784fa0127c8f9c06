import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

const email = { to: 'someone@example.com', subject: 'outage', text: 'hello' };

/** Redis going away under a running app, on a redis-server of this test alone. */
describe('RedisDeliveryQueue during a Redis outage', () => {
  let redis: DedicatedRedis;
  let smtp: TestSmtpServer;
  let sut: TestApp;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    smtp = await TestSmtpServer.start();
    sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('outage'),
        REDIS_TIMEOUT_MS: '500',
        SEND_WAIT_MS: '5000',
      },
    });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await redis?.stop();
  });

  it('answers 503 with Retry-After quickly while Redis is down, then recovers by itself', async () => {
    expect((await postJson(`${sut.url}/send-email`, email)).status).toBe(200);

    await redis.stop();
    await until(
      '/readyz to report 503',
      async () => (await request(`${sut.url}/readyz`)).status === 503,
      5_000,
    );

    const started = Date.now();
    const refused = await postJson(`${sut.url}/send-email`, email);
    const keyed = await postJson(`${sut.url}/send-email`, email, { 'idempotency-key': 'k-1' });
    const batch = await postJson<{ results: Array<{ status: number }> }>(
      `${sut.url}/send-email/batch`,
      { emails: [email] },
    );
    const elapsed = Date.now() - started;

    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(keyed.status).toBe(503);
    expect(batch.status).toBe(207);
    expect(batch.body.results[0].status).toBe(503);
    // Three requests, each bounded by REDIS_TIMEOUT_MS at most.
    expect(elapsed).toBeLessThan(3_000);
    expect((await request(`${sut.url}/metrics`)).status).toBe(200);
    process.stdout.write(`Redis down: 3 requests refused with 503 in ${elapsed} ms\n`);
    const before = smtp.received.length;

    await redis.start();
    await until(
      '/readyz to report 200',
      async () => (await request(`${sut.url}/readyz`)).status === 200,
      10_000,
    );
    const after = await postJson(`${sut.url}/send-email`, email, { 'idempotency-key': 'k-1' });

    expect(after.status).toBe(200);
    expect(after.body.status).toBe('sent');
    // Nothing refused during the outage was sent: only the email accepted after recovery.
    expect(smtp.received.length).toBe(before + 1);
  }, 40_000);
});
