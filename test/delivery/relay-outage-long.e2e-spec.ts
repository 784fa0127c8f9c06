import { valueOf } from '../support/scrape';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until, untilQueueEmpty } from '../support/wait';

/**
 * Issue 19: a relay down for 10 minutes, longer than any retry budget or backoff cap, on the
 * default (spool) driver with a lifetime of hours. This suite runs ~11 minutes on purpose: an
 * outage is only "long" in wall-clock time, and the promise is about time, not attempts.
 * Its load is tiny (one email every 2 s) so it costs CI wall time, not CPU. Backoff caps are
 * shortened by configuration (RETRY_MAX_MS), never by mocking time.
 */
const OUTAGE_MS = 10 * 60_000;

describe('relay down 10 minutes (default driver, lifetime 2 h)', () => {
  let smtp: ScriptedSmtpServer | undefined;
  let app: TestApp | undefined;

  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
  });

  it(
    'every email accepted before and during the outage is delivered once, none failed',
    async () => {
      smtp = await ScriptedSmtpServer.start();
      const port = smtp.port;
      app = await createTestApp({
        env: {
          SMTP_URL: `smtp://127.0.0.1:${port}`,
          QUEUE_DRIVER: 'spool',
          SEND_WAIT_MS: '0',
          RETRY_BASE_MS: '1000',
          RETRY_MAX_MS: '15000',
          DELIVERY_LIFETIME: '2h',
          METRICS_CACHE_MS: '0',
        },
      });
      const url = app.url;
      const accepted: string[] = [];
      const send = async (i: number) => {
        const res = await postJson<{ id: string }>(`${url}/send-email`, {
          to: `long${i}@example.com`,
          subject: `long ${i}`,
          text: 'x',
        });
        expect(res.status).toBe(202);
        accepted.push(res.body.id);
      };
      for (let i = 0; i < 5; i++) await send(i);
      await smtp.waitFor(5);
      const beforeOutage = smtp.received.length;
      await smtp.stop();
      const downAt = Date.now();

      // One email every 2 s for the whole outage (bounded: 300 at most).
      for (let i = 5; i < 305 && Date.now() - downAt < OUTAGE_MS; i++) {
        await send(i);
        await new Promise((r) => setTimeout(r, 2_000));
      }
      const midway = (await request(`${url}/metrics`)).text;
      expect(valueOf(midway, 'email_sent_total', { status: 'failure' })).toBe(0);

      smtp = await ScriptedSmtpServer.start({ port });
      await untilQueueEmpty(app, 120_000);
      let metrics = '';
      await until(
        'every accepted email to be counted as sent',
        async () => {
          metrics = (await request(`${url}/metrics`)).text;
          return valueOf(metrics, 'email_sent_total', { status: 'success' }) >= accepted.length;
        },
        60_000,
      );

      expect(accepted.length).toBeGreaterThan(250);
      expect(valueOf(metrics, 'email_sent_total', { status: 'success' })).toBe(accepted.length);
      expect(valueOf(metrics, 'email_sent_total', { status: 'failure' })).toBe(0);
      expect(beforeOutage + smtp.received.length).toBe(accepted.length);
      const views = await Promise.all(
        accepted.map(async (id) => (await request(`${url}/emails/${id}`)).body),
      );
      expect(views.filter((v) => v.status !== 'sent')).toEqual([]);
    },
    OUTAGE_MS + 4 * 60_000,
  );
});
