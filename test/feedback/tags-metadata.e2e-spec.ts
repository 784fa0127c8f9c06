import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until, waitForStatus } from '../support/wait';

const TAGS = ['invoice', 'tenant:42'];
const METADATA = { invoiceId: 'inv_123', note: 'ünïcode is fine here' };

/**
 * Tags and metadata are kept in the email's meta by each queue driver: sent through a real
 * SMTP server, read back by GET /emails/:id, filtered in the dead-letter listing.
 */
describe.each(['memory', 'spool', 'redis'])('tags and metadata with QUEUE_DRIVER=%s', (driver) => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  const prefix = uniquePrefix('tags');

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
    smtp = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: driver,
        REDIS_PREFIX: prefix,
        MAX_ATTEMPTS: '1',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
    if (driver === 'redis') await deletePrefix(prefix);
  });

  const send = (extra: Record<string, unknown>, client = 'billing') =>
    postJson<{ id: string; status: string }>(
      `${app.url}/send-email`,
      { to: 'ada@example.com', subject: 'Invoice', text: 'Hi', ...extra },
      { 'x-client-id': client, prefer: 'respond-async' },
    );

  /** GET /emails/:id as `billing` (another client would get 404) until it has `status`. */
  async function statusOf(id: string, status: string, ms = 20_000) {
    let body: Record<string, unknown> = {};
    await until(
      `email ${id} to be ${status}`,
      async () => {
        body = (await request(`${app.url}/emails/${id}`, { headers: { 'x-client-id': 'billing' } }))
          .body;
        return body?.status === status;
      },
      ms,
    );
    return body;
  }

  it('GET /emails/:id echoes them; the internal meta stays inside', async () => {
    const res = await send({ tags: TAGS, metadata: METADATA });
    expect(res.status).toBe(202);
    const view = await statusOf(res.body.id, 'sent');
    expect(view).toMatchObject({ status: 'sent', tags: TAGS, metadata: METADATA });
    expect(view).not.toHaveProperty('meta');
    expect(view).not.toHaveProperty('requestId');
    // Scoped like every email route: another client cannot read them.
    const other = await request(`${app.url}/emails/${res.body.id}`, {
      headers: { 'x-client-id': 'crm' },
    });
    expect(other.status).toBe(404);
    // The metric labels do not grow with them.
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(metrics).not.toContain('inv_123');
    expect(metrics).not.toContain('tenant:42');
  });

  it('an email without them shows neither', async () => {
    const res = await send({});
    const view = await statusOf(res.body.id, 'sent');
    expect(view).not.toHaveProperty('tags');
    expect(view).not.toHaveProperty('metadata');
  });

  it('GET /emails?status=failed&tag= lists only dead letters with that tag', async () => {
    smtp.failNext(554, '5.7.1 refused', 2);
    const tagged = await send({ tags: ['campaign-7'] });
    await statusOf(tagged.body.id, 'failed');
    const other = await send({ tags: ['campaign-8'] });
    await statusOf(other.body.id, 'failed');
    const list = await request<{ count: number; emails: Array<Record<string, unknown>> }>(
      `${app.url}/emails?status=failed&tag=campaign-7`,
      { headers: { 'x-client-id': 'billing' } },
    );
    expect(list.status).toBe(200);
    expect(list.body.emails.map((e) => e.id)).toEqual([tagged.body.id]);
    expect(list.body.emails[0]).toMatchObject({ tags: ['campaign-7'] });
    // Another client sees none of them, with or without the tag (the spool driver once leaked).
    for (const query of ['', '&tag=campaign-7']) {
      const other = await request<{ count: number }>(`${app.url}/emails?status=failed${query}`, {
        headers: { 'x-client-id': 'crm' },
      });
      expect(other.body.count).toBe(0);
    }
    const bad = await request(`${app.url}/emails?status=failed&tag=a%20b`);
    expect(bad.status).toBe(400);
  });
});

describe('tags and metadata validation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app?.close());

  it.each([
    ['tags', { tags: 'invoice' }],
    ['tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
    ['tags', { tags: ['x'.repeat(65)] }],
    ['tags', { tags: ['has space'] }],
    ['tags', { tags: ['dup', 'dup'] }],
    ['tags', { tags: [''] }],
    ['tags', { tags: [42] }],
    ['metadata', { metadata: ['a'] }],
    ['metadata', { metadata: { a: 1 } }],
    ['metadata', { metadata: { a: 'x'.repeat(257) } }],
    ['metadata', { metadata: { 'bad key': 'v' } }],
    ['metadata', { metadata: { a: 'line\nbreak' } }],
    [
      'metadata',
      { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
    ],
  ])('refuses a bad %s with 400 naming it', async (field, extra) => {
    const res = await postJson<{ fields: Array<{ field: string; messages: string[] }> }>(
      `${app.url}/send-email`,
      { to: 'ada@example.com', subject: 'Hi', text: 'Hi', ...extra },
    );
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f) => f.field)).toEqual([field]);
  });

  it('a batch carries each email its own tags', async () => {
    const res = await postJson<{ results: Array<{ id: string; status: number }> }>(
      `${app.url}/send-email/batch`,
      {
        emails: [
          { to: 'a@example.com', subject: 'A', text: 'A', tags: ['a'] },
          { to: 'b@example.com', subject: 'B', text: 'B', metadata: { k: 'b' } },
          { to: 'c@example.com', subject: 'C', text: 'C', tags: ['bad tag'] },
        ],
      },
    );
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.status)).toEqual([202, 202, 400]);
    const [a, b] = await Promise.all(
      res.body.results.slice(0, 2).map((r) => waitForStatus(app.url, r.id, 'sent')),
    );
    expect(a).toMatchObject({ tags: ['a'] });
    expect(b).toMatchObject({ metadata: { k: 'b' } });
  });
});
