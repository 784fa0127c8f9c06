import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type HttpResult } from '../support/test-app';

const email = (n: number) => ({
  to: [`a${n}@example.com`, `b${n}@example.com`],
  subject: 'Q',
  text: 'q',
});
const send = (url: string, n: number, client = 'billing') =>
  postJson(`${url}/send-email`, email(n), { 'x-client-id': client, prefer: 'respond-async' });

/**
 * CLIENT_QUOTAS counts emails (not recipients: each email here has two) per client across
 * every replica sharing one Redis; a batch counts each of its emails.
 */
describe('per-client quotas across two replicas on one Redis', () => {
  const prefix = uniquePrefix('quota');
  let smtp: TestSmtpServer;
  let replicas: AppProcess[] = [];

  beforeAll(async () => {
    await requireRedis();
    smtp = await TestSmtpServer.start();
    const env = {
      QUEUE_DRIVER: 'redis',
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      CLIENT_QUOTAS: 'billing:10/h,1000/d;crm:3/d',
      OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'mailwatch-quota-')),
    };
    replicas = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await smtp?.stop();
    await deletePrefix(prefix);
  });

  it('ten emails alternate between the replicas, the eleventh is refused with 429', async () => {
    const answers: HttpResult[] = [];
    for (let n = 0; n < 10; n++) answers.push(await send(replicas[n % 2].url, n));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    expect(answers.map((a) => a.headers.get('ratelimit-remaining'))).toEqual([
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
    ]);
    expect(answers[0].headers.get('ratelimit-limit')).toBe('10');
    expect(answers[0].headers.get('ratelimit-policy')).toBe('10;w=3600, 1000;w=86400');
    const refused = await send(replicas[0].url, 10);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'quota_exceeded' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect((await send(replicas[1].url, 11)).status).toBe(429);
    // Other clients are not limited by billing's quota; unlisted clients not at all.
    expect((await send(replicas[1].url, 12, 'reports')).status).toBe(202);
    expect((await send(replicas[1].url, 12, 'reports')).headers.get('ratelimit-limit')).toBeNull();
  });

  it('a batch counts every email; the ones past the quota get 429 on their own', async () => {
    const res = await postJson<{ results: Array<{ status: number }> }>(
      `${replicas[0].url}/send-email/batch`,
      { emails: [email(20), email(21), email(22), email(23), email(24)] },
      { 'x-client-id': 'crm' },
    );
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.status).sort()).toEqual([202, 202, 202, 429, 429]);
    expect((await send(replicas[1].url, 25, 'crm')).status).toBe(429);
  });

  it('email_quota_remaining reads the shared counters on each replica', async () => {
    for (const replica of replicas) {
      const metrics = (await request(`${replica.url}/metrics`)).text;
      expect(metrics).toContain('email_quota_remaining{client="billing"} 0');
      expect(metrics).toContain('email_quota_remaining{client="crm"} 0');
      expect(metrics).not.toContain('email_quota_remaining{client="reports"}');
    }
    // Only the accepted emails reached the relay: 10 + 2 + 3.
    await smtp.waitForMessages(15, 30_000);
    expect(smtp.received).toHaveLength(15);
  });
});

describe('CLIENT_QUOTAS configuration', () => {
  it.each([
    'billing',
    'billing:10',
    'billing:0/h',
    'billing:10/w',
    'billing:1/h,2/h',
    'a:1/h;a:2/d',
  ])('refuses %j at start-up naming the variable', async (value) => {
    await expect(createTestApp({ env: { CLIENT_QUOTAS: value } })).rejects.toThrow(/CLIENT_QUOTAS/);
  });
});
