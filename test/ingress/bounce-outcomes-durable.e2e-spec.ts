import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess, buildApp } from '../support/app-process';
import { deletePrefix, requireRedis, SHARED_REDIS_URL, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request, testSpoolPath } from '../support/test-app';
import { submit } from './ingress-client';

const KEY = 'billing-key-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };

const fixture = (name: string, rcpt: string) =>
  Buffer.from(
    readFileSync(join(__dirname, '../fixtures/bounces', name), 'utf8')
      .replace('{{RCPT}}', rcpt)
      .replace(/\r?\n/g, '\r\n'),
  );

const bouncedGone = [
  {
    address: 'gone@example.org',
    outcome: 'bounced',
    type: 'hard',
    status: '5.1.1',
    diagnostic: expect.stringContaining('550') as unknown,
    reportedAt: expect.any(String) as unknown,
  },
];

/**
 * Bounce outcomes are kept where the emails are (issue 23): a bounce processed by one
 * process shows at GET /emails/:id after that process is killed and restarted (spool), and
 * on another replica (redis).
 */
describe('Bounce outcomes are durable', () => {
  const apps: AppProcess[] = [];
  let sink: TestSmtpServer;
  let redisPrefix: string | undefined;

  beforeAll(async () => {
    await buildApp();
    sink = await TestSmtpServer.start();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await sink?.stop();
    if (redisPrefix) await deletePrefix(redisPrefix);
  });

  async function start(env: Record<string, string>): Promise<AppProcess> {
    const app = await AppProcess.start({
      SMTP_URL: sink.url,
      API_KEYS: `${KEY}=billing`,
      SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
      BOUNCE_DOMAIN: 'bounces.example.com',
      BOUNCE_SECRET: 'a-test-secret-of-at-least-32-characters',
      ...env,
    });
    apps.push(app);
    return app;
  }

  /** Sends one email through `app`; its id and the return path the sink saw. */
  async function sendOne(app: AppProcess): Promise<{ id: string; returnPath: string }> {
    const before = sink.received.length;
    const res = await postJson<{ id: string }>(
      `${app.url}/send-email`,
      { to: 'gone@example.org', subject: 'Invoice', text: 'Hi' },
      auth,
    );
    expect(res.status).toBe(200);
    const [mail] = (await sink.waitForMessages(before + 1, 20_000)).slice(before);
    return { id: res.body.id, returnPath: mail.envelope.from };
  }

  async function bounce(ingressPort: number, returnPath: string, raw?: Buffer): Promise<string> {
    const { response } = await submit(
      { port: ingressPort, secure: false, ignoreTLS: true },
      {
        envelope: { from: '', to: [returnPath] },
        raw: raw ?? fixture('rfc3464-hard.eml', returnPath),
      },
    );
    return response;
  }

  const recipientsAt = async (app: AppProcess, id: string) =>
    (await request<{ recipients?: unknown[] }>(`${app.url}/emails/${id}`, { headers: auth })).body
      .recipients;

  it('spool: the bounced recipient is still shown after kill -9 and a restart', async () => {
    const ingress = await freePort();
    const env = {
      QUEUE_DRIVER: 'spool',
      SPOOL_PATH: testSpoolPath(),
      SMTP_INGRESS_PORT: String(ingress),
    };
    const first = await start(env);
    const { id, returnPath } = await sendOne(first);
    expect(await bounce(ingress, returnPath)).toMatch(/^250 2\.0\.0 bounce processed \(hard\)/);
    expect(await recipientsAt(first, id)).toEqual(bouncedGone);
    await first.kill();

    const second = await start(env);
    expect(await recipientsAt(second, id)).toEqual(bouncedGone);
  });

  it('redis: a bounce processed by one replica shows on the other', async () => {
    await requireRedis();
    redisPrefix = uniquePrefix('bounces');
    const [a, b] = await Promise.all([freePort(), freePort()]);
    const redis = { QUEUE_DRIVER: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: redisPrefix };
    const replicaA = await start({ ...redis, SMTP_INGRESS_PORT: String(a) });
    const replicaB = await start({ ...redis, SMTP_INGRESS_PORT: String(b) });
    const { id, returnPath } = await sendOne(replicaA);
    expect(await recipientsAt(replicaB, id)).toBeUndefined();

    expect(await bounce(a, returnPath)).toMatch(/^250 2\.0\.0 bounce processed \(hard\)/);
    expect(await recipientsAt(replicaB, id)).toEqual(bouncedGone);
    // A later delayed (soft) report for the address, to the other replica, keeps it bounced.
    const delayed = fixture('rfc3464-delayed.eml', returnPath)
      .toString()
      .replace('slow@example.org', 'gone@example.org');
    expect(await bounce(b, returnPath, Buffer.from(delayed))).toMatch(/processed \(soft\)/);
    expect(await recipientsAt(replicaA, id)).toEqual(bouncedGone);
  });
});
