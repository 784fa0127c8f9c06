import { copyFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { StatusController } from '../../src/status/status.controller';
import { launchChromium } from '../support/chromium';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
/** Test output: an ignored folder, never the working tree's tracked files. */
const REPORTS = resolve(__dirname, '..', '..', 'reports');

/** A sample's value in the text exposition, summed over matching series. */
function metricValue(text: string, pattern: RegExp): number {
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe(StatusController.name, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        SEND_WAIT_MS: '5000',
        METRICS_CACHE_MS: '0',
        RETRY_MAX_ATTEMPTS: '1',
        STATUS_HISTORY_INTERVAL_MS: '200',
        GRAFANA_URL: 'https://grafana.example.com/',
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
    await smtp.stop();
  });

  it('shows the numbers /metrics has, with no console errors, and is screenshotted', async () => {
    const mail = { to: 'ada@example.com', subject: 'Hi', text: 'Hello' };
    for (let i = 0; i < 4; i++)
      await postJson(`${t.url}/send-email`, mail, { 'x-client-id': 'billing' });
    smtp.failNext(550, 'mailbox unavailable');
    const rejected = await postJson(`${t.url}/send-email`, mail, { 'x-client-id': 'reports' });
    expect(rejected.body.status).toBe('failed');
    const metrics = (await request(`${t.url}/metrics`)).text;
    const sent = metricValue(metrics, /^email_sent_total\{.*status="success"/);
    const failed = metricValue(metrics, /^email_sent_total\{.*status="failure"/);
    expect([sent, failed]).toEqual([4, 1]);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${t.url}/status`);
    // Locators, not waitForFunction: the page's CSP (rightly) forbids the eval it would need.
    await page.locator('#sent-success').filter({ hasNotText: '–' }).waitFor();
    // A second poll turns totals into rates; send more in between so the chart has a line.
    for (let i = 0; i < 3; i++)
      await postJson(`${t.url}/send-email`, mail, { 'x-client-id': 'billing' });
    await page.locator('#sent-success').filter({ hasText: /^7$/ }).waitFor();

    const text = async (id: string) => (await page.textContent(`#${id}`))?.trim();
    const after = (await request(`${t.url}/metrics`)).text;
    expect(await text('sent-success')).toBe(
      String(metricValue(after, /^email_sent_total\{.*status="success"/)),
    );
    expect(await text('sent-failure')).toBe(
      String(metricValue(after, /^email_sent_total\{.*status="failure"/)),
    );
    expect(await text('queue-size')).toBe(String(metricValue(after, /^email_queue_size /)));
    expect(await text('retries')).toBe(String(metricValue(after, /^email_retries_total\{/)));
    expect(await text('p95')).toMatch(/^\d+\.\d\d s$/);
    expect(await text('success-rate')).toMatch(/^\d+(\.\d)?%$/);
    expect(problems).toEqual([]);

    mkdirSync(REPORTS, { recursive: true });
    const shot = join(REPORTS, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    // The README's picture changes only on purpose: `npm run screenshot`.
    if (process.env.UPDATE_SCREENSHOT === '1') {
      copyFileSync(shot, resolve(__dirname, '..', '..', 'docs', 'status-page.png'));
    }
  });

  it('shows the last samples the moment it opens, labelled as this replica, with a Grafana link', async () => {
    type Data = { history: { points: Array<{ time: number; success: number }> } };
    const mail = { to: 'ada@example.com', subject: 'Hi', text: 'Hello' };
    const points = async () => (await request<Data>(`${t.url}/status/data`)).body.history.points;
    // Sends spread over several samples, so the history holds a rate curve, not one step.
    const first = (await points()).at(-1)!.time;
    for (let round = 0; round < 4; round++) {
      await postJson(`${t.url}/send-email`, mail, { 'x-client-id': 'billing' });
      const seen = (await points()).length;
      while ((await points()).length === seen) await new Promise((r) => setTimeout(r, 50));
    }
    const history = (await points()).filter((p) => p.time > first);
    expect(history.length).toBeGreaterThanOrEqual(4);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Exactly one answer from the server: whatever the charts show came with the first load.
    let answered = 0;
    await page.route('**/status/data*', (route) =>
      answered++ === 0 ? route.continue() : route.abort(),
    );
    await page.goto(`${t.url}/status`);
    await page
      .locator('#updated')
      .filter({ hasText: /^updated / })
      .waitFor();

    const drawn = Number(await page.locator('#rate-chart').getAttribute('data-points'));
    // two lines (success, failure), one point per pair of neighbouring samples
    expect(drawn).toBeGreaterThanOrEqual(2 * history.length);
    expect(await page.locator('#rate-chart').getAttribute('aria-label')).toMatch(
      /points over the last 1 min, max (?!0\.00)\d+\.\d\d$/,
    );
    expect(await page.locator('.scope').textContent()).toContain("this replica's");
    expect(await page.textContent('#replica')).toBe(`replica ${hostname()}`);
    expect(await page.locator('h1').textContent()).toContain('this replica');
    const link = page.locator('#grafana');
    expect(await link.isVisible()).toBe(true);
    expect(await link.getAttribute('href')).toBe(
      'https://grafana.example.com/d/mailwatch/mailwatch',
    );
    expect(answered).toBe(1);
    await page.close();
  });

  it('rejects a `since` that is not a number, naming it', async () => {
    const res = await request(`${t.url}/status/data?since=yesterday`);

    expect(res.status).toBe(400);
    expect(res.text).toContain('since');
  });

  it('serves the page as a single self-contained HTML document', async () => {
    const res = await request(`${t.url}/status`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
  });
});
