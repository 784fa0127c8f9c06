import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { emailIdOf } from '../support/spool-kit';
import { valueOf } from '../support/scrape';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until, untilQueueEmpty } from '../support/wait';

/**
 * The redis driver exact across stalls and crashes (issue 13): a frozen Redis (SIGSTOP, TCP
 * up) must not turn a 503 into a delivery or burn an Idempotency-Key, and an outcome whose
 * replica died before counting it is counted once by the next start.
 */
describe('redis driver exactness', () => {
  let redis: DedicatedRedis;
  let smtp: TestSmtpServer;
  let app: TestApp | undefined;
  let prefix: string;

  const start = () =>
    createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: prefix,
        REDIS_TIMEOUT_MS: '400',
      },
    });

  beforeEach(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    smtp = await TestSmtpServer.start();
    prefix = uniquePrefix('exact');
  });
  afterEach(async () => {
    redis.freeze(false);
    await app?.close();
    app = undefined;
    await smtp.stop();
    await redis.stop();
  });

  it('Redis frozen for 3 s: no 503 for an email that was queued, no burned Idempotency-Key, /readyz 503 meanwhile', async () => {
    app = await start();
    const url = app.url;
    const accepted: string[] = [];
    let refusals = 0;
    let conflicts = 0;
    let next = 0;
    /** A careful client: retries a 503 with the same key and body until it is accepted. */
    const client = async () => {
      while (next < 240) {
        const i = next++;
        const keyed = i % 2 === 0;
        for (let attempt = 0; attempt < 200; attempt++) {
          const res = await postJson<{ id: string }>(
            `${url}/send-email`,
            { to: `u${i}@example.com`, subject: `freeze ${i}`, text: 'x' },
            { prefer: 'respond-async', ...(keyed ? { 'idempotency-key': `k-${i}` } : {}) },
          );
          if (res.status === 202 || res.status === 200) {
            accepted.push(res.body.id);
            break;
          }
          if (res.status === 409) conflicts++;
          if (res.status !== 503) throw new Error(`email ${i}: ${res.status} ${res.text}`);
          refusals++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, client));
    await until('some emails to be accepted', () => accepted.length >= 40);
    redis.freeze(true);
    await until(
      '/readyz to report 503 during the freeze',
      async () => (await request(`${url}/readyz`)).status === 503,
      5_000,
    );
    await until('requests to be refused during the freeze', () => refusals >= 10, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the freeze itself
    redis.freeze(false);
    await load;
    await untilQueueEmpty(app, 30_000);
    await until('/readyz to recover', async () => (await request(`${url}/readyz`)).status === 200);

    const delivered = smtp.received.map((m) => emailIdOf(m));
    // An outcome whose count met the freeze is counted when Redis answers again.
    let metrics = '';
    await until('every delivered email to be counted', async () => {
      metrics = (await request(`${url}/metrics`)).text;
      return valueOf(metrics, 'email_sent_total', { status: 'success' }) >= 240;
    });
    expect(refusals).toBeGreaterThanOrEqual(10);
    expect(conflicts).toBe(0);
    expect(new Set(accepted).size).toBe(240);
    expect(delivered.sort()).toEqual([...accepted].sort());
    expect(valueOf(metrics, 'email_sent_total', { status: 'success' })).toBe(240);
  });

  it('counts, once, the outcome of a job a killed replica completed but never counted', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('email-delivery', { connection, prefix });
    // A replica that delivered and was killed before its `completed` handler ran: its jobs
    // are completed in Redis and counted nowhere.
    // The ledger has been on for a while (set at the first start of this version).
    await connection.set(`${prefix}:email-delivery:mw-ledger-since`, String(Date.now() - 120_000));
    const dead = new Worker(
      'email-delivery',
      () => Promise.resolve({ messageId: '<x@relay>', attempts: 1 }),
      {
        connection: new Redis(redis.url, { maxRetriesPerRequest: null }),
        prefix,
      },
    );
    const finished = new Promise<void>((resolve) => {
      let n = 0;
      dead.on('completed', () => ++n === 5 && resolve());
    });
    for (let i = 0; i < 5; i++) {
      await queue.add(
        'send',
        {
          email: { from: 'a@example.com', to: ['b@example.com'], subject: 's' },
          client: 'billing',
          meta: {},
        },
        { jobId: `lost-${i}` },
      );
    }
    await finished;
    await dead.close();
    // Older than the reconcile grace, as after a real restart.
    for (let i = 0; i < 5; i++) {
      await connection.hset(
        `${prefix}:email-delivery:lost-${i}`,
        'finishedOn',
        String(Date.now() - 60_000),
      );
      await connection.zadd(`${prefix}:email-delivery:completed`, Date.now() - 60_000, `lost-${i}`);
    }

    app = await start();
    const first = (await request(`${app.url}/metrics`)).text;
    await app.close();
    app = await start();
    const second = (await request(`${app.url}/metrics`)).text;

    expect(valueOf(first, 'email_sent_total', { client: 'billing', status: 'success' })).toBe(5);
    expect(valueOf(second, 'email_sent_total', { status: 'success' })).toBe(0);
    await queue.close();
    connection.disconnect();
  });
});
