import type { Browser } from 'playwright-core';
import { StatusController } from '../../src/status/status.controller';
import { launchChromium } from '../support/chromium';
import { createTestApp, request, type TestApp } from '../support/test-app';
const KEY = 'status-page-key-0123456789';
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe(`${StatusController.name} when API keys are set`, () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        API_KEYS: `${KEY}=ops`,
        STATUS_AUTH: 'viewer:status-page-password',
        METRICS_AUTH: 'prometheus:metrics-password',
        STATUS_HISTORY_INTERVAL_MS: '200',
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('asks a browser for a user and password, and names what it needs', async () => {
    for (const path of ['/status', '/status/data']) {
      const res = await request(`${t.url}${path}`);

      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Basic realm="mailwatch status", charset="UTF-8"',
      );
      expect(res.text).toContain('STATUS_AUTH');
      expect(res.text).not.toContain('status-page-password');
    }
  });

  it.each([
    ['the STATUS_AUTH credential', basic('viewer', 'status-page-password'), 200],
    ['the METRICS_AUTH credential', basic('prometheus', 'metrics-password'), 200],
    ['an API key', { authorization: `Bearer ${KEY}` }, 200],
    ['a wrong password', basic('viewer', 'guess'), 401],
    [
      'the STATUS_AUTH password as a bearer key',
      { authorization: 'Bearer status-page-password' },
      401,
    ],
    ['an API key as a basic password', basic('ops', KEY), 401],
  ])('%s → %s', async (_, headers, status) => {
    expect((await request(`${t.url}/status/data`, { headers })).status).toBe(status);
    expect((await request(`${t.url}/status`, { headers })).status).toBe(status);
  });

  it('still keeps the API itself behind API keys', async () => {
    const res = await request(`${t.url}/emails/x`, {
      headers: basic('viewer', 'status-page-password'),
    });

    expect(res.status).toBe(401);
  });

  it('opens in Chromium with the basic credential and shows history at once', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'viewer', password: 'status-page-password' },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const samples = async () =>
      (
        await request<{ history: { points: unknown[] } }>(`${t.url}/status/data`, {
          headers: basic('viewer', 'status-page-password'),
        })
      ).body.history.points.length;
    while ((await samples()) < 3) await new Promise((resolve) => setTimeout(resolve, 50));

    const response = await page.goto(`${t.url}/status`);
    await page
      .locator('#updated')
      .filter({ hasText: /^updated / })
      .waitFor();

    expect(response?.status()).toBe(200);
    expect(Number(await page.locator('#queue-chart').getAttribute('data-points'))).toBeGreaterThan(
      1,
    );
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe(`${StatusController.name} with API keys but no basic credential`, () => {
  it('tells the operator to set STATUS_AUTH, and takes the API key', async () => {
    const t = await createTestApp({ env: { API_KEYS: `${KEY}=ops` } });
    try {
      const denied = await request(`${t.url}/status`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toContain('Bearer');
      expect(denied.text).toContain('set STATUS_AUTH=user:password to open it in a browser');

      const data = await request<{ sent: unknown[]; queueSize: number }>(`${t.url}/status/data`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(data.status).toBe(200);
      expect(data.body).toMatchObject({ sent: [], queueSize: 0 });
    } finally {
      await t.close();
    }
  });
});

describe(`${StatusController.name} configuration`, () => {
  it.each([
    ['STATUS_AUTH', 'no-colon'],
    ['GRAFANA_URL', 'ftp://grafana.example.com'],
  ])('refuses a malformed %s at start-up, naming it', async (name, value) => {
    await expect(createTestApp({ env: { [name]: value } })).rejects.toThrow(name);
  });
});
