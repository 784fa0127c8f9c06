import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { valueOf } from '../support/scrape';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

/**
 * Issue 24: a Redis outage shown where on-call looks. With the redis driver and its Redis
 * stopped, intake answers 503, email_queue_accepting is 0 (MailwatchIntakeDown's input), and
 * the status page — still served — says intake is refused, in real Chromium; with Redis back,
 * all of it returns by itself and the page says so again.
 */
describe('intake state on the status page and in metrics across a Redis outage', () => {
  let redis: DedicatedRedis;
  let smtp: TestSmtpServer;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('intake'),
        REDIS_TIMEOUT_MS: '500',
        METRICS_CACHE_MS: '0',
        STATUS_AUTH: 'viewer:status-page-password',
      },
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
    await redis?.stop();
  });

  const accepting = async () =>
    valueOf((await request(`${t.url}/metrics`)).text, 'email_queue_accepting');

  it('accepting → refusing (503, gauge 0, page red) → accepting again', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'viewer', password: 'status-page-password' },
    });
    const page = await context.newPage();
    await page.goto(`${t.url}/status`);
    await page.locator('#intake [data-state="accepting"]').waitFor();
    expect(await accepting()).toBe(1);

    await redis.stop();
    await until(
      'intake to refuse',
      async () => {
        const res = await postJson(`${t.url}/send-email`, {
          to: 'a@example.com',
          subject: 'during',
          text: 'x',
        });
        return res.status === 503;
      },
      20_000,
    );
    expect(await accepting()).toBe(0);
    await page.locator('#intake [data-state="refusing"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#intake').textContent()).toContain('503');
    const data = await request<{ intake: string; deadLetters: { count: number | null } }>(
      `${t.url}/status/data`,
      {
        headers: {
          authorization: `Basic ${Buffer.from('viewer:status-page-password').toString('base64')}`,
        },
      },
    );
    expect(data.status).toBe(200);
    expect(data.body).toMatchObject({ intake: 'refusing', deadLetters: { count: null } });

    await redis.start();
    await page.locator('#intake [data-state="accepting"]').waitFor({ timeout: 30_000 });
    expect(await accepting()).toBe(1);
    await context.close();
  }, 120_000);
});
