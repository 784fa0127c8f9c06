import type { Browser, Page } from 'playwright-core';
import { StatusController } from '../../src/status/status.controller';
import { launchChromium } from '../support/chromium';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

const KEYS = {
  billing: 'billing-key-0123456789abcdef',
  crm: 'crm-key-0123456789abcdefghij',
  ops: 'ops-key-0123456789abcdefghijk',
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * The status page's relay indicators and dead-letter count in real Chromium (issue 25): one
 * relay a running SMTP server, the other a closed port; dead letters from a relay answering
 * 550, counted per viewer (a client key its own, an operator every client's), linked to
 * GET /emails?status=failed.
 */
describe(`${StatusController.name} relays and dead letters`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    const closed = await freePort();
    t = await createTestApp({
      env: {
        SMTP_URL: `primary=${smtp.url},backup=smtp://127.0.0.1:${closed}`,
        SMTP_HEALTH_INTERVAL_MS: '1000',
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
    // A recipient per email: a 550 suppresses its recipient, which would refuse the next send.
    let n = 0;
    const send = async (key: string, status: string) => {
      const mail = { to: `user${++n}@example.com`, subject: 'Hi', text: 'Hello' };
      const r = await postJson(`${t.url}/send-email`, mail, bearer(key));
      if (r.body.status !== status) throw new Error(r.text);
    };
    await send(KEYS.billing, 'sent');
    // 550 at DATA: rejected for good (422 `rejected`), a dead letter each.
    smtp.failNext(550, 'mailbox unavailable', 3);
    await send(KEYS.billing, 'failed');
    await send(KEYS.billing, 'failed');
    await send(KEYS.crm, 'failed');
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
    await page.locator('#relays .relay').first().waitFor();
    return { page, problems };
  }

  const relays = (page: Page) =>
    page.$$eval('#relays .relay', (spans) =>
      spans.map((s) => [s.getAttribute('data-relay'), s.getAttribute('data-state')]),
    );

  it('one indicator per relay, by name: the running server up, the closed port down', async () => {
    const { page, problems } = await open(KEYS.billing);
    // The closed port is found down by a send's failover or the idle check (1 s here).
    await page
      .locator('#relays [data-relay="backup"][data-state="down"]')
      .waitFor({ timeout: 15_000 });
    expect(await relays(page)).toEqual([
      ['primary', 'up'],
      ['backup', 'down'],
    ]);
    const text = await page.textContent('#relays');
    expect(text).toBe('primary ● up / backup ● down');
    expect(text).not.toContain('127.0.0.1');
    expect(await page.getAttribute('#relays [data-relay="primary"] b', 'class')).toBe('ok');
    expect(await page.getAttribute('#relays [data-relay="backup"] b', 'class')).toBe('bad');
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it.each([
    ['billing', KEYS.billing, 2, 'your client only'],
    ['crm', KEYS.crm, 1, 'your client only'],
    ['an operator', KEYS.ops, 3, 'every client'],
  ])(
    '%s sees its dead letters, linked to their listing',
    async (_who, key, count, scope) => {
      const { page, problems } = await open(key);
      await page.locator('#dead-letter-count', { hasText: /^\d/ }).waitFor();
      expect(await page.textContent('#dead-letter-count')).toBe(String(count));
      expect(await page.textContent('#dead-letter-scope')).toBe(scope);
      const href = await page.getAttribute('#dead-letters', 'href');
      expect(href).toBe('/emails?status=failed');
      // The link, followed with the same key, lists exactly the emails counted.
      const listing = await request<{ count: number; emails: Array<{ status: string }> }>(
        `${t.url}${href}`,
        { headers: bearer(key) },
      );
      expect(listing.status).toBe(200);
      expect(listing.body.count).toBe(count);
      expect(listing.body.emails.every((e) => e.status === 'failed')).toBe(true);
      const data = await request<{ deadLetters: { count: number; more: boolean } }>(
        `${t.url}/status/data`,
        { headers: bearer(key) },
      );
      expect(data.body.deadLetters).toEqual({ count, more: false });
      expect(problems).toEqual([]);
      await page.close();
    },
    30_000,
  );
});
