import Redis from 'ioredis';
import { AppProcess, buildApp } from '../support/app-process';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { ReplyCuttingProxy } from '../support/reply-cutting-proxy';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { valueOf } from '../support/scrape';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * "503 means nothing was queued" when the add reached Redis but its reply was lost: the
 * connection drops and Redis stays unreachable past REDIS_TIMEOUT_MS, the app answers 503,
 * and the job is in Redis. The withdrawal cannot be
 * sent on the dead connection; it must be retried once Redis answers, so the email is either
 * taken back or — when a worker got it first — logged as a possible duplicate. Never sent unseen.
 */
describe('redis driver: an add whose reply was lost', () => {
  let redis: DedicatedRedis;
  let proxy: ReplyCuttingProxy;
  let smtp: TestSmtpServer;
  let monitor: Redis | undefined;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    await buildApp();
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    proxy = new ReplyCuttingProxy(redis.port);
    await proxy.start();
    smtp = await TestSmtpServer.start();
  }, 120_000);
  afterAll(async () => {
    await app?.kill();
    monitor?.disconnect();
    await proxy?.stop();
    await smtp?.stop();
    await redis?.stop();
  });

  it('answers 503, then takes the landed job back or flags it; never delivers it unseen', async () => {
    const prefix = uniquePrefix('lostreply');
    app = await AppProcess.start({
      QUEUE_DRIVER: 'redis',
      REDIS_URL: proxy.url,
      REDIS_PREFIX: prefix,
      REDIS_TIMEOUT_MS: '1000',
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'log',
    });
    const ok = await postJson(`${app.url}/send-email`, {
      to: 'warm@example.com',
      subject: 'warm-up',
      text: 'x',
    });
    expect(ok.status).toBe(200);

    // What Redis ran, seen from its side.
    monitor = new Redis(redis.url);
    const ran: string[] = [];
    (await monitor.monitor()).on('monitor', (_time: string, args: string[]) =>
      ran.push(args.join(' ')),
    );
    const marker = `lost-reply-${Date.now()}`;
    proxy.arm(marker, 3_000);
    const refused = await postJson(
      `${app.url}/send-email`,
      { to: 'lost@example.com', subject: marker, text: 'x' },
      { prefer: 'respond-async' },
    );
    expect(refused.status).toBe(503);
    // The fault happened: the add carrying the email reached Redis and ran there.
    expect(proxy.cutCommand).toBeDefined();
    await until('Redis to have run the add', () => ran.some((c) => c.includes(marker)), 5_000);
    const id = UUID.exec(ran.find((c) => c.includes(marker))!)?.[0];
    expect(id).toBeDefined();

    const flagged = () =>
      app!.log.includes(`"msg":"refused email may still be delivered","emailId":"${id}"`);
    const delivered = () => smtp.received.some((m) => m.parsed.subject === marker);
    // Either the withdrawal ran (Redis says the id is withdrawn) or a worker had it first.
    const check = new Redis(redis.url);
    try {
      await until(
        'the landed job to be withdrawn or flagged',
        async () => {
          const keys = await check.keys(`${prefix}*:${id}`);
          for (const key of keys) {
            if ((await check.type(key)) !== 'hash') continue;
            if ((await check.hget(key, 'mwWithdrawn')) === '1') return true;
          }
          return flagged();
        },
        15_000,
      );
      // A delivery of the refused email is only allowed with its flag; and a second email
      // afterwards goes through, so nothing is wedged.
      const after = await postJson(`${app.url}/send-email`, {
        to: 'after@example.com',
        subject: 'after',
        text: 'x',
      });
      expect(after.status).toBe(200);
      expect(!delivered() || flagged()).toBe(true);
      const metrics = (await request(`${app.url}/metrics`)).text;
      expect(valueOf(metrics, 'email_possible_duplicates_total')).toBe(flagged() ? 1 : 0);
      process.stdout.write(
        `lost reply: refused 503, landed in Redis, ${delivered() ? 'delivered and flagged' : 'withdrawn, not delivered'}\n`,
      );
    } finally {
      check.disconnect();
    }
  }, 60_000);
});
