import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { NEW_SECRET, OLD_SECRET, WebhookReceiver as Receiver } from '../support/webhook-receiver';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, testSpoolPath } from '../support/test-app';
import { until } from '../support/wait';

function webhooksFile(port: number, extra: object[] = []): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mailwatch-webhooks-')), 'webhooks.json');
  writeFileSync(
    file,
    JSON.stringify([
      {
        client: 'billing',
        url: `http://127.0.0.1:${port}/hooks`,
        secrets: [OLD_SECRET, NEW_SECRET],
      },
      ...extra,
    ]),
  );
  return file;
}

const send = (url: string, to: string[], tags = ['t']) =>
  postJson<{ id: string; status: string }>(
    `${url}/send-email`,
    { to, subject: 'Hook', text: 'x', tags, metadata: { order: '42' } },
    { 'x-client-id': 'billing', prefer: 'respond-async' },
  );

describe('webhooks (Standard Webhooks, durable outbox)', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(() => smtp?.stop());

  it('signs with both secrets, carries tags and outcomes; survives 500s and a receiver down 30 s', async () => {
    const receiver = new Receiver(await freePort());
    const app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'spool',
        WEBHOOKS_FILE: webhooksFile(receiver.port),
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '200',
        WEBHOOK_RETRY_MAX_MS: '2000',
        MAX_ATTEMPTS: '1',
      },
    });
    try {
      // Receiver down for 30 s while emails settle: events wait in the outbox.
      const first = await send(app.url, ['a@example.com']);
      await until(
        'the first email to be sent',
        async () =>
          (
            await request(`${app.url}/emails/${first.body.id}`, {
              headers: { 'x-client-id': 'billing' },
            })
          ).body?.status === 'sent',
      );
      smtp.failNext(550, '5.1.1 no such user');
      const second = await send(app.url, ['gone@example.com']);
      await until('the outbox to hold both events', async () =>
        /email_webhook_backlog 2/.test((await request(`${app.url}/metrics`)).text),
      );
      await new Promise((resolve) => setTimeout(resolve, 30_000)); // the outage itself
      receiver.failing = 3; // then it answers 500 three times
      await receiver.start();
      await until('both events delivered', () => receiver.events.size === 2, 30_000);
      const sent = receiver.byType('email.sent');
      expect(sent).toHaveLength(1);
      expect(sent[0].data).toMatchObject({
        emailId: first.body.id,
        client: 'billing',
        tags: ['t'],
        metadata: { order: '42' },
      });
      const failed = receiver.byType('email.failed');
      expect(failed[0].data).toMatchObject({
        emailId: second.body.id,
        error: { code: 'rejected', smtpCode: 550 },
      });
      expect(receiver.badSignatures).toBe(0);
      // Suppressed recipients are their own event.
      await until(
        'gone@ suppressed',
        async () =>
          (
            await request(`${app.url}/suppressions/gone@example.com`, {
              headers: { 'x-client-id': 'billing' },
            })
          ).status === 200,
      );
      const third = await send(app.url, ['gone@example.com', 'b@example.com']);
      await until('suppressed + sent events', () => receiver.events.size === 4, 30_000);
      expect(receiver.byType('email.suppressed')[0].data).toMatchObject({
        emailId: third.body.id,
        suppressed: [{ address: 'gone@example.com', code: 'suppressed' }],
      });
      const metrics = (await request(`${app.url}/metrics`)).text;
      expect(metrics).toMatch(
        /email_webhook_deliveries_total\{client="billing",outcome="success"\} 4/,
      );
      expect(metrics).toMatch(
        /email_webhook_deliveries_total\{client="billing",outcome="failure"\} [1-9]/,
      );
      expect(metrics).toContain('email_webhook_backlog 0');
    } finally {
      await app.close();
      await receiver.stop();
    }
  }, 120_000);

  it('refuses loopback, link-local and IPv6 loopback targets unless allowed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mailwatch-webhooks-')), 'webhooks.json');
    writeFileSync(
      file,
      JSON.stringify(
        [
          'http://127.0.0.1:9/x',
          'http://169.254.169.254/latest',
          'http://[::1]:9/x',
          'http://localhost:9/x',
        ].map((url) => ({ client: 'billing', url, secrets: [NEW_SECRET] })),
      ),
    );
    const app = await createTestApp({ env: { SMTP_URL: smtp.url, WEBHOOKS_FILE: file } });
    try {
      await send(app.url, ['c@example.com']);
      await until('four refused deliveries', async () =>
        /email_webhook_deliveries_total\{client="billing",outcome="forbidden"\} 4/.test(
          (await request(`${app.url}/metrics`)).text,
        ),
      );
    } finally {
      await app.close();
    }
  });

  it('does not follow a redirect', async () => {
    let redirected = 0;
    const target = createServer((_req, res) => {
      redirected++;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirector = createServer((_req, res) =>
      res
        .writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/` })
        .end(),
    );
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        WEBHOOKS_FILE: webhooksFile((redirector.address() as AddressInfo).port),
        WEBHOOK_ALLOW_PRIVATE: 'true',
      },
    });
    try {
      await send(app.url, ['d@example.com']);
      await until('a failed delivery', async () =>
        /outcome="failure"\} 1/.test((await request(`${app.url}/metrics`)).text),
      );
      expect(redirected).toBe(0);
    } finally {
      await app.close();
      target.close();
      redirector.close();
    }
  });

  it('kill -9 mid-delivery: every event arrives after the restart, exactly once after dedupe', async () => {
    const port = await freePort();
    // A receiver that holds every request open: the app is killed while its POSTs are in flight.
    const held: Array<() => void> = [];
    const stalling = createServer((_req, res) => held.push(() => res.writeHead(204).end()));
    await new Promise<void>((r) => stalling.listen(port, '127.0.0.1', r));
    const env = {
      SMTP_URL: smtp.url,
      QUEUE_DRIVER: 'spool',
      SPOOL_PATH: testSpoolPath(),
      WEBHOOKS_FILE: webhooksFile(port),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_BASE_MS: '200',
    };
    let app = await AppProcess.start(env);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await send(app.url, [`k${n}@example.com`])).body.id);
    await until('deliveries in flight', () => held.length >= 1, 20_000);
    await app.kill();
    stalling.closeAllConnections();
    await new Promise<void>((r) => stalling.close(() => r()));
    const receiver = new Receiver(port);
    await receiver.start();
    app = await AppProcess.start(env);
    try {
      // Generous: under CPU contention the restarted app's first retries can take tens of seconds.
      await until('every event after the restart', () => receiver.events.size === 5, 80_000);
      expect(
        receiver
          .byType('email.sent')
          .map((e) => e.data.emailId)
          .sort(),
      ).toEqual([...ids].sort());
      expect(receiver.badSignatures).toBe(0);
    } finally {
      await app.stop();
      await receiver.stop();
    }
  }, 150_000);
});
