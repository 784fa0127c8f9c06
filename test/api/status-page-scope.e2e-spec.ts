import type { Browser, Page } from 'playwright-core';
import { StatusController } from '../../src/status/status.controller';
import { launchChromium } from '../support/chromium';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

const KEYS = {
  billing: 'billing-key-0123456789abcdef',
  crm: 'crm-key-0123456789abcdefghij',
  ops: 'ops-key-0123456789abcdefghijk',
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * The status page in real Chromium (issue 25): scoped data (a client's key sees its own
 * client, an OPERATOR_CLIENTS key every client), the per-client table, round y ticks, five
 * time labels, and eight tiles on one row at 1280 px.
 */
describe(`${StatusController.name} scoped per client`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        SEND_WAIT_MS: '5000',
        RETRY_MAX_ATTEMPTS: '1',
        API_KEYS: Object.entries(KEYS)
          .map(([client, key]) => `${key}=${client}`)
          .join(','),
        OPERATOR_CLIENTS: 'ops',
        STATUS_HISTORY_INTERVAL_MS: '200',
      },
    });
    browser = await launchChromium();
    const mail = { to: 'ada@example.com', subject: 'Hi', text: 'Hello' };
    for (let i = 0; i < 3; i++) await postJson(`${t.url}/send-email`, mail, bearer(KEYS.billing));
    await postJson(`${t.url}/send-email`, mail, bearer(KEYS.crm));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t.close();
    await smtp.stop();
  });

  async function open(key: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 800 },
      extraHTTPHeaders: bearer(key),
    });
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${t.url}/status`);
    await page.locator('#clients tr').first().waitFor();
    return { page, problems };
  }

  const rows = (page: Page) =>
    page.$$eval('#clients tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );

  it('a client key sees its own client only, in the page and in /status/data', async () => {
    const data = await request<{ sent: Array<{ client: string }>; client: string | null }>(
      `${t.url}/status/data`,
      { headers: bearer(KEYS.billing) },
    );
    expect(data.body.client).toBe('billing');
    expect(new Set(data.body.sent.map((s) => s.client))).toEqual(new Set(['billing']));
    expect(data.text).not.toContain('crm');

    const { page, problems } = await open(KEYS.billing);
    expect(await rows(page)).toEqual([['billing', '3', '0']]);
    expect(await page.textContent('#client-scope')).toBe('your client only');
    expect(await page.textContent('#sent-success')).toBe('3');
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it('an operator key (OPERATOR_CLIENTS) sees every client, largest first', async () => {
    const { page, problems } = await open(KEYS.ops);
    expect(await rows(page)).toEqual([
      ['billing', '3', '0'],
      ['crm', '1', '0'],
    ]);
    expect(await page.textContent('#client-scope')).toBe('every client');
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it('axes: y ends on 1, 2 or 5 × 10^n, x has five time labels; tiles on one row at 1280 px', async () => {
    const { page } = await open(KEYS.ops);
    const chart = page.locator('#rate-chart[data-y-max]');
    await chart.waitFor({ state: 'attached' });
    for (const id of ['rate-chart', 'latency-chart', 'queue-chart', 'success-chart']) {
      const yMax = Number(await page.getAttribute(`#${id}`, 'data-y-max'));
      const mantissa = yMax / Math.pow(10, Math.floor(Math.log10(yMax)));
      expect([1, 2, 5, 10]).toContainEqual(Number(mantissa.toPrecision(6)));
      const labels = (await page.getAttribute(`#${id}`, 'data-x-labels'))!.split('|');
      expect(labels).toHaveLength(5);
      expect(labels[4]).toBe('now');
      expect(labels[0]).toMatch(/^-\d+ (s|min)$/);
      expect(new Set(labels).size).toBe(5);
    }
    const tops = await page.$$eval('.tile', (tiles) =>
      tiles.map((tile) => Math.round(tile.getBoundingClientRect().top)),
    );
    expect(tops).toHaveLength(8);
    expect(new Set(tops).size).toBe(1);
    await page.close();
  }, 30_000);
});
