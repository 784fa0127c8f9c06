import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { valueOf } from '../support/scrape';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { freePort } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

/**
 * Issue 19 on the redis driver: while every relay is known down, jobs are not attempted and
 * spend no attempt (as on the local drivers). Backoff is tiny here (50–200 ms), so a driver
 * that kept trying would make ~20 attempts per email during the 5 s outage; held mail is
 * delivered with at most the one attempt that found the relay down plus the one that sent it.
 */
describe('redis driver: mail held while every relay is down', () => {
  let app: TestApp | undefined;
  let smtp: ScriptedSmtpServer | undefined;
  const prefix = uniquePrefix('relayhold');

  beforeAll(() => requireRedis());
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
    await deletePrefix(prefix);
  });

  const viewsOf = (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await request(`${app!.url}/emails/${id}`)).body));
  const allAre = async (ids: string[], status: string) =>
    (await viewsOf(ids)).every((v) => v.status === status);

  const metric = async (line: string) => {
    const text = (await request(`${app!.url}/metrics`)).text;
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  };

  it('no attempts spent during a 5 s outage; all delivered once the relay answers', async () => {
    const port = await freePort();
    app = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        QUEUE_DRIVER: 'redis',
        REDIS_PREFIX: prefix,
        SEND_WAIT_MS: '0',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '200',
        METRICS_CACHE_MS: '0',
        SMTP_HEALTH_INTERVAL_MS: '1000',
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await postJson<{ id: string }>(`${app.url}/send-email`, {
        to: `held${i}@example.com`,
        subject: `held ${i}`,
        text: 'x',
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await until('the relay to be known down', async () => {
      return (await metric('email_smtp_up{relay="primary"}')) === 0;
    });
    const downAt = Date.now();
    await until('every email to wait as deferred', () => allAre(ids, 'deferred'), 15_000);

    // The outage itself: 5 s, ~25 backoff periods.
    await new Promise((r) => setTimeout(r, Math.max(0, 5_000 - (Date.now() - downAt))));
    const heldViews = await viewsOf(ids);
    expect(heldViews.map((v) => v.status)).toEqual(ids.map(() => 'deferred'));
    expect(Math.max(...heldViews.map((v) => Number(v.attempts)))).toBeLessThanOrEqual(1);

    smtp = await ScriptedSmtpServer.start({ port });
    await until('every held email to be sent', () => allAre(ids, 'sent'), 45_000);

    const views = await viewsOf(ids);
    expect(Math.max(...views.map((v) => Number(v.attempts)))).toBeLessThanOrEqual(2);
    expect(smtp.received).toHaveLength(10);
    let text = '';
    await until('the ten outcomes to be counted', async () => {
      text = (await request(`${app!.url}/metrics`)).text;
      return valueOf(text, 'email_sent_total', { status: 'success' }) >= 10;
    });
    expect(valueOf(text, 'email_sent_total', { status: 'success' })).toBe(10);
    expect(text).not.toMatch(/^email_sent_total\{[^}]*status="failure"[^}]*\} [1-9]/m);
  }, 90_000);

  it('held mail expires at the end of DELIVERY_LIFETIME, never earlier, without attempts', async () => {
    await app?.close();
    const port = await freePort();
    app = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        QUEUE_DRIVER: 'redis',
        REDIS_PREFIX: `${prefix}x`,
        SEND_WAIT_MS: '0',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '200',
        DELIVERY_LIFETIME: '8s',
        SMTP_HEALTH_INTERVAL_MS: '1000',
      },
    });
    const submitted = Date.now();
    const res = await postJson<{ id: string }>(`${app.url}/send-email`, {
      to: 'expiring@example.com',
      subject: 'expiring',
      text: 'x',
    });
    let view: Record<string, unknown> = {};
    await until(
      'the held email to expire',
      async () => {
        view = (await request(`${app!.url}/emails/${res.body.id}`)).body;
        return view.status === 'failed';
      },
      30_000,
    );

    expect(Date.now() - submitted).toBeGreaterThanOrEqual(8_000);
    expect(view).toMatchObject({ lastError: { code: 'expired' } });
    expect(Number(view.attempts)).toBeLessThanOrEqual(1);
    await deletePrefix(`${prefix}x`);
  }, 60_000);
});
