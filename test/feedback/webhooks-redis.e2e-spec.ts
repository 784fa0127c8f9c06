import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';
import { WebhookReceiver, webhooksFileFor } from '../support/webhook-receiver';

/**
 * QUEUE_DRIVER=redis: the webhook outbox is in the Redis that holds the emails, shared by
 * the replicas. A replica killed with its requests in flight loses nothing: the other one
 * delivers every event, and the receiver sees each exactly once after dedupe by webhook-id.
 */
describe('webhooks with the redis driver (shared outbox)', () => {
  const prefix = uniquePrefix('webhooks');
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    await requireRedis();
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await smtp?.stop();
    await deletePrefix(prefix);
  });

  it('kill -9 of the replica mid-delivery: the other replica delivers every event once', async () => {
    const port = await freePort();
    // Holds every request open: the events are claimed and in flight when the kill lands.
    const held = new Set<string>();
    const stalling = createServer((req) => held.add(String(req.headers['webhook-id'])));
    await new Promise<void>((r) => stalling.listen(port, '127.0.0.1', r));
    const env = {
      QUEUE_DRIVER: 'redis',
      REDIS_PREFIX: prefix,
      RETRY_BASE_MS: '200',
      RETRY_MAX_MS: '400',
      SMTP_URL: smtp.url,
      OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'mailwatch-webhooks-redis-')),
      WEBHOOKS_FILE: webhooksFileFor(port),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_RETRY_MAX_MS: '1000',
    };
    // One after the other: two cold starts at once can exceed the 20 s start bound on a busy CI.
    const a = await AppProcess.start(env);
    const b = await AppProcess.start(env);
    const receiver = new WebhookReceiver(port);
    try {
      const ids: string[] = [];
      // The first email is deferred once (451) before it goes out: email.deferred, then sent.
      smtp.failNext(451, '4.3.0 try later');
      for (let n = 0; n < 6; n++) {
        const res = await postJson<{ id: string }>(
          `${a.url}/send-email`,
          { to: [`r${n}@example.com`], subject: 'R', text: 'r', tags: ['redis'] },
          { 'x-client-id': 'billing', prefer: 'respond-async' },
        );
        expect(res.status).toBe(202);
        ids.push(res.body.id);
      }
      // Six distinct events (retries of one do not count): the first email's sent event waits
      // behind its deferred one (order per email), so every email has settled by then.
      await until('six events in flight', () => held.size >= 6, 30_000);
      await a.kill();
      stalling.closeAllConnections();
      await new Promise<void>((r) => stalling.close(() => r()));
      await receiver.start();
      // A's leases lapse (timeout + 5 s); B's own failed requests retry.
      await until(
        'every event delivered by the survivor',
        () => receiver.events.size === 7,
        60_000,
      );
      expect(
        receiver
          .byType('email.sent')
          .map((e) => e.data.emailId)
          .sort(),
      ).toEqual([...ids].sort());
      const deferred = receiver.byType('email.deferred');
      expect(deferred.map((e) => e.id)).toEqual([`msg_${ids[0]}.deferred.0`]);
      expect(deferred[0].data).toMatchObject({ attempts: 1, error: { smtpCode: 451 } });
      expect(receiver.badSignatures).toBe(0);
      await until('the shared backlog empty', async () =>
        /email_webhook_backlog 0/.test((await request(`${b.url}/metrics`)).text),
      );
    } finally {
      await Promise.allSettled([a.kill(), b.stop(), receiver.stop()]);
    }
  }, 150_000);
});
