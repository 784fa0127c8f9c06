import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { StatusController } from '../../src/status/status.controller';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

/** Debian's Chromium (.ci/run installs it); CHROMIUM_PATH for another one. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  process.stderr.write(
    `status page browser test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`,
  );
}
/** Test output: an ignored folder, never the working tree's tracked files. */
const REPORTS = resolve(__dirname, '..', '..', 'reports');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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
      },
    });
    if (HAS_CHROMIUM) {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
    await smtp.stop();
  });

  (HAS_CHROMIUM ? it : it.skip)(
    'shows the numbers /metrics has, with no console errors, and is screenshotted',
    async () => {
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
    },
  );

  it('serves the page as a single self-contained HTML document', async () => {
    const res = await request(`${t.url}/status`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
  });
});

describe(`${StatusController.name} with API keys`, () => {
  it('needs the same API key as the API, for the page and its data', async () => {
    const t = await createTestApp({ env: { API_KEYS: 'status-page-key-0123456789=ops' } });
    try {
      const auth = { authorization: 'Bearer status-page-key-0123456789' };
      expect((await request(`${t.url}/status`)).status).toBe(401);
      expect((await request(`${t.url}/status/data`)).status).toBe(401);
      expect((await request(`${t.url}/status`, { headers: auth })).status).toBe(200);
      const data = await request<{ sent: unknown[]; queueSize: number }>(`${t.url}/status/data`, {
        headers: auth,
      });
      expect(data.status).toBe(200);
      expect(data.body).toMatchObject({ sent: [], queueSize: 0 });
    } finally {
      await t.close();
    }
  });
});
