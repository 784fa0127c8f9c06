import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { useSmtpApp } from '../support/smtp-app';
import { TestSmtpServer } from '../support/smtp-server';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const KEY_FILE = 'key-f-0123456789abcdef';
const email = { to: 'rcpt@example.com', subject: 'Hi', text: 'Hello' };

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

function sample(metrics: string, line: string): number | undefined {
  const found = metrics.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.split(' ').pop());
}

describe('API keys (ApiKeyGuard)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-keys-'));
    const file = join(dir, 'keys');
    const hex = createHash('sha256').update(KEY_FILE).digest('hex');
    writeFileSync(file, `# hashed keys\nsha256:${hex}=filed\n`);
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        API_KEYS: `${KEY_A}=A,${KEY_B}=B`,
        API_KEYS_FILE: file,
        SEND_WAIT_MS: '5000',
        METRICS_CACHE_MS: '0',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('answers 401 with WWW-Authenticate: Bearer when no key is sent', async () => {
    const res = await postJson(`${t.url}/send-email`, email);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(smtp.received).toHaveLength(0);
  });

  it('answers 401 to a wrong key, a Basic header and an empty bearer', async () => {
    for (const authorization of [`Bearer ${KEY_A}x`, `Basic ${KEY_A}`, 'Bearer ', KEY_A]) {
      const res = await postJson(`${t.url}/send-email`, email, { authorization });
      expect(res.status).toBe(401);
    }
    expect((await request(`${t.url}/emails/00000000-0000-4000-8000-000000000000`)).status).toBe(
      401,
    );
    expect(smtp.received).toHaveLength(0);
  });

  it('leaves /healthz, /readyz and /metrics open to probes and scrapers', async () => {
    expect((await request(`${t.url}/healthz`)).status).toBe(200);
    expect((await request(`${t.url}/readyz`)).status).toBe(200);
    expect((await request(`${t.url}/metrics`)).status).toBe(200);
  });

  it('counts a send as the key’s client even when X-Client-ID names another', async () => {
    const res = await postJson(`${t.url}/send-email`, email, {
      ...bearer(KEY_A),
      'x-client-id': 'B',
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('sent');
    const metrics = (await request(`${t.url}/metrics`)).text;
    expect(sample(metrics, 'email_sent_total{client="A",status="success"}')).toBe(1);
    expect(sample(metrics, 'email_sent_total{client="B",status="success"}')).toBeUndefined();
  });

  it('accepts a key stored as sha256:<hex> in API_KEYS_FILE', async () => {
    const res = await postJson(`${t.url}/send-email`, email, bearer(KEY_FILE));
    expect(res.status).toBe(200);
    const metrics = (await request(`${t.url}/metrics`)).text;
    expect(sample(metrics, 'email_sent_total{client="filed",status="success"}')).toBe(1);
  });

  it('counts 401s in the HTTP metrics', async () => {
    const metrics = (await request(`${t.url}/metrics`)).text;
    expect(
      sample(metrics, 'http_requests_total{method="POST",handler="/send-email",status="4xx"}'),
    ).toBeGreaterThanOrEqual(5);
  });
});

describe('sender and recipient policy (MessagePolicy)', () => {
  const fx = useSmtpApp({
    ALLOWED_SENDER_DOMAINS: 'example.com,bücher.de',
    CLIENT_SENDERS: 'billing:invoices@billing.example|receipts.example',
    RECIPIENT_DOMAINS_DENY: 'blocked.example',
    SEND_WAIT_MS: '5000',
  });

  const send = (body: Record<string, unknown>, client = 'web') =>
    postJson(`${fx.app.url}/send-email`, { ...email, ...body }, { 'x-client-id': client });

  it('accepts a sender at an allowed domain, IDN spelled either way', async () => {
    expect((await send({ from: 'News <news@example.com>' })).status).toBe(200);
    expect((await send({ from: 'a@xn--bcher-kva.de' })).status).toBe(200);
    expect((await send({ from: 'a@BÜCHER.de' })).status).toBe(200);
    expect(fx.smtp.received).toHaveLength(3);
  });

  it('refuses any other sender with 403 naming from, and queues nothing', async () => {
    for (const from of ['x@evil.example', 'x@sub.example.com', 'x@example.com.evil']) {
      const res = await send({ from });
      expect(res.status).toBe(403);
      expect(res.body.fields).toEqual([{ field: 'from', messages: [expect.any(String)] }]);
    }
    expect(fx.smtp.received).toHaveLength(3);
  });

  it('gives a client in CLIENT_SENDERS exactly its own addresses and domains', async () => {
    expect((await send({ from: 'invoices@billing.example' }, 'billing')).status).toBe(200);
    expect((await send({ from: 'anyone@receipts.example' }, 'billing')).status).toBe(200);
    expect((await send({ from: 'other@billing.example' }, 'billing')).status).toBe(403);
    expect((await send({ from: 'news@example.com' }, 'billing')).status).toBe(403);
    expect((await send({ from: 'invoices@billing.example' }, 'web')).status).toBe(403);
    expect(fx.smtp.received).toHaveLength(5);
  });

  it('refuses a denied recipient domain with 403 naming the field', async () => {
    const res = await send({ to: 'ok@example.com', bcc: ['x@blocked.example'] });
    expect(res.status).toBe(403);
    expect(res.body.fields).toEqual([{ field: 'bcc', messages: [expect.any(String)] }]);
    expect(fx.smtp.received).toHaveLength(5);
  });
});

describe('recipient allow list', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, RECIPIENT_DOMAINS_ALLOW: 'example.com' },
    });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('sends only to allowed domains', async () => {
    expect((await postJson(`${t.url}/send-email`, email)).status).toBe(200);
    const res = await postJson(`${t.url}/send-email`, { ...email, cc: 'a@example.org' });
    expect(res.status).toBe(403);
    expect((res.body.fields as Array<{ field: string }>)[0].field).toBe('cc');
    expect(smtp.received).toHaveLength(1);
  });
});

describe('rate limit (ClientThrottlerGuard)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  const WINDOW_MS = 1500;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        RATE_LIMIT: '3',
        RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
        METRICS_CACHE_MS: '0',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('allows 3 requests per client per window, answers 429 with Retry-After, then recovers', async () => {
    const send = (client: string) =>
      postJson(`${t.url}/send-email`, email, { 'x-client-id': client });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send('alpha')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await send('alpha');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);

    // Another client has its own budget; probes and scrapes are never limited.
    expect((await send('beta')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await request(`${t.url}/healthz`)).status).toBe(200);
      expect((await request(`${t.url}/metrics`)).status).toBe(200);
    }
    expect(smtp.received).toHaveLength(4);

    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
    expect((await send('alpha')).status).toBe(200);
    expect(smtp.received).toHaveLength(5);

    const metrics = (await request(`${t.url}/metrics`)).text;
    expect(
      sample(metrics, 'http_requests_total{method="POST",handler="/send-email",status="4xx"}'),
    ).toBe(3);
  });
});
