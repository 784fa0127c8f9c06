import { WebhookReceiver, webhooksFileFor } from '../support/webhook-receiver';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, testSpoolPath } from '../support/test-app';
import { until } from '../support/wait';

const send = (url: string, to: string[]) =>
  postJson<{ id: string }>(
    `${url}/send-email`,
    { to, subject: 'Hook', text: 'x', tags: ['inv'], metadata: { order: '7' } },
    { 'x-client-id': 'billing', prefer: 'respond-async' },
  );

const metrics = async (url: string) => (await request(`${url}/metrics`)).text;

describe('webhook events: email.deferred, paused endpoints', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(() => smtp?.stop());

  it('two temporary failures then a delivery: one email.deferred, then email.sent, in order', async () => {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    const app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'spool',
        SPOOL_PATH: testSpoolPath(),
        WEBHOOKS_FILE: webhooksFileFor(receiver.port),
        WEBHOOK_ALLOW_PRIVATE: 'true',
        RETRY_BASE_MS: '100',
        RETRY_MAX_MS: '200',
      },
    });
    try {
      smtp.failNext(451, '4.3.0 try later', 2);
      const { body } = await send(app.url, ['late@example.com']);
      await until('email.sent', () => receiver.byType('email.sent').length === 1, 30_000);
      const deferred = receiver.byType('email.deferred');
      expect(deferred).toHaveLength(1);
      expect(deferred[0].id).toBe(`msg_${body.id}.deferred.0`);
      expect(deferred[0].data).toMatchObject({
        emailId: body.id,
        client: 'billing',
        tags: ['inv'],
        metadata: { order: '7' },
        attempts: 1,
        error: { code: 'deferred', smtpCode: 451 },
      });
      expect(typeof deferred[0].data.nextAttemptAt).toBe('string');
      expect(typeof deferred[0].data.acceptedAt).toBe('string');
      const sent = receiver.byType('email.sent')[0];
      expect(sent.data).toMatchObject({ emailId: body.id, attempts: 3 });
      expect(typeof sent.data.settledAt).toBe('string');
      // Per email, deferred went out before sent.
      expect(receiver.order.indexOf(deferred[0].id)).toBeLessThan(receiver.order.indexOf(sent.id));
      expect(receiver.badSignatures).toBe(0);
    } finally {
      await app.close();
      await receiver.stop();
    }
  }, 60_000);

  it('an endpoint failing past WEBHOOK_PAUSE_AFTER_SECONDS is paused, shown, keeps its events, resumes', async () => {
    const receiver = new WebhookReceiver(await freePort());
    receiver.failing = Number.MAX_SAFE_INTEGER;
    await receiver.start();
    const app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'spool',
        SPOOL_PATH: testSpoolPath(),
        WEBHOOKS_FILE: webhooksFileFor(receiver.port),
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '100',
        WEBHOOK_RETRY_MAX_MS: '400',
        WEBHOOK_PAUSE_AFTER_SECONDS: '2',
      },
    });
    const status = async (client = 'billing') =>
      (await request(`${app.url}/webhooks`, { headers: { 'x-client-id': client } })).body as {
        endpoints: Array<{ id: string; paused: boolean; lastFailure?: string }>;
      };
    try {
      expect((await status()).endpoints).toEqual([
        expect.objectContaining({ id: 'billing#0', paused: false }),
      ]);
      expect((await status('crm')).endpoints).toEqual([]);
      for (let n = 0; n < 3; n++) await send(app.url, [`p${n}@example.com`]);
      await until('the endpoint paused', async () => (await status()).endpoints[0].paused, 20_000);
      expect((await status()).endpoints[0].lastFailure).toBe('HTTP 500');
      expect(await metrics(app.url)).toMatch(/email_webhook_endpoint_paused\{client="billing"\} 1/);
      expect(await metrics(app.url)).toMatch(/email_webhook_backlog 3/);
      // While paused, probes keep going out (one at a time).
      const seen = receiver.deliveries;
      await until('a probe', () => receiver.deliveries > seen, 10_000);
      receiver.failing = 0;
      await until('every event after the resume', () => receiver.events.size === 3, 20_000);
      expect((await status()).endpoints[0].paused).toBe(false);
      const text = await metrics(app.url);
      expect(text).toMatch(/email_webhook_endpoint_paused\{client="billing"\} 0/);
      expect(text).toMatch(/email_webhook_backlog 0/);
    } finally {
      await app.close();
      await receiver.stop();
    }
  }, 60_000);
});
