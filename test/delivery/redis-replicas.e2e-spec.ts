import { AppProcess, buildApp } from '../support/app-process';
import { deletePrefix, requireRedis, SHARED_REDIS_URL, uniquePrefix } from '../support/redis';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

const idsOf = (mails: ReceivedMail[]): string[] =>
  mails.map((m) => m.parsed.headers.get('x-mailwatch-id') as string);

/** Sum of one sample over a /metrics text: `name{labels} value` lines matching `labels`. */
function sample(text: string, name: string, labels: RegExp = /.*/): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`).exec(line);
    if (match && labels.test(match[1] ?? '')) sum += Number(match[2]);
  }
  return sum;
}

async function metricsOf(app: AppProcess): Promise<string> {
  return (await request(`${app.url}/metrics`)).text;
}

/** Posts `count` emails spread over the apps, `parallel` requests at a time; returns the ids. */
async function submit(apps: AppProcess[], count: number, parallel = 40): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      const res = await postJson(
        `${apps[n % apps.length].url}/send-email`,
        { to: `user${n}@example.com`, subject: `bulk ${n}`, text: `message ${n}` },
        { prefer: 'respond-async', 'x-client-id': 'cluster' },
      );
      if (res.status !== 202) throw new Error(`email ${n}: ${res.status} ${res.text}`);
      ids.push(String(res.body.id));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return ids;
}

/** Two replicas in their own processes sharing one Redis queue and one SMTP server. */
describe('RedisDeliveryQueue across replicas', () => {
  let smtp: TestSmtpServer;
  let prefix: string;
  let apps: AppProcess[] = [];

  const startApps = (env: Record<string, string> = {}) =>
    Promise.all(
      [0, 1].map(() =>
        AppProcess.start({
          QUEUE_DRIVER: 'redis',
          REDIS_URL: SHARED_REDIS_URL,
          REDIS_PREFIX: prefix,
          SMTP_URL: smtp.url,
          REDIS_LOCK_MS: '3000',
          SHUTDOWN_DRAIN_MS: '5000',
          ...env,
        }),
      ),
    );

  beforeAll(async () => {
    await requireRedis();
    await buildApp();
  }, 120_000);

  beforeEach(async () => {
    prefix = uniquePrefix('cluster');
    smtp = await TestSmtpServer.start();
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    apps = [];
    await smtp.stop();
    await deletePrefix(prefix);
  });

  it('delivers 1,000 emails submitted to both replicas exactly once and counts each once', async () => {
    apps = await startApps({ DELIVERY_CONCURRENCY: '32', SMTP_POOL_SIZE: '5' });

    const ids = await submit(apps, 1000);
    await smtp.waitForMessages(1000, 60_000);
    await until(
      'email_sent_total to reach 1000',
      async () => {
        const texts = await Promise.all(apps.map(metricsOf));
        return texts.reduce((sum, t) => sum + sample(t, 'email_sent_total'), 0) >= 1000;
      },
      10_000,
    );

    const delivered = idsOf(smtp.received);
    expect(new Set(delivered).size).toBe(1000);
    expect(delivered).toHaveLength(1000);
    expect(new Set(delivered)).toEqual(new Set(ids));
    const texts = await Promise.all(apps.map(metricsOf));
    const perReplica = texts.map((t) => sample(t, 'email_sent_total', /status="success"/));
    expect(perReplica[0] + perReplica[1]).toBe(1000);
    expect(texts.reduce((sum, t) => sum + sample(t, 'email_sent_total'), 0)).toBe(1000);
    // Both replicas' workers took part.
    expect(Math.min(...perReplica)).toBeGreaterThan(0);
    // The backlog gauge is cluster-wide and read from Redis: empty now on both.
    for (const text of texts) expect(sample(text, 'email_queue_size')).toBe(0);
    process.stdout.write(`1000 emails: delivered per replica ${perReplica.join(' + ')}\n`);
  }, 90_000);

  it('answers a synchronous send when another replica delivered it, and a repeated key on the other replica, without waiting for the re-read', async () => {
    apps = await startApps();
    const [a, b] = apps;
    // Sequential synchronous sends to one replica: both replicas' workers wait on the queue,
    // so the jobs alternate between them and about half are delivered by the other one. Its
    // waiter hears of those on its own channel (OutcomeNotices); without a notice it would
    // find out at its one-second re-read.
    const durations: number[] = [];
    for (let n = 0; n < 20; n++) {
      const started = Date.now();
      const res = await postJson(`${a.url}/send-email`, {
        to: `sync${n}@example.com`,
        subject: `sync ${n}`,
        text: 'hello',
      });
      durations.push(Date.now() - started);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('sent');
    }
    const deliveredByB = sample(await metricsOf(b), 'email_sent_total', /status="success"/);
    expect(deliveredByB).toBeGreaterThan(0);
    expect(Math.max(...durations)).toBeLessThan(800);

    // A repeated Idempotency-Key on the replica that did not accept the email waits on that
    // email's own channel.
    const replays: number[] = [];
    for (let n = 0; n < 6; n++) {
      const headers = { 'idempotency-key': `replay-${n}-${prefix}` };
      const body = { to: `replay${n}@example.com`, subject: `replay ${n}`, text: 'hello' };
      const first = postJson(`${a.url}/send-email`, body, headers);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const started = Date.now();
      const repeated = await postJson(`${b.url}/send-email`, body, headers);
      replays.push(Date.now() - started);
      const original = await first;
      expect(original.status).toBe(200);
      expect(repeated.status).toBe(200);
      expect(repeated.body.id).toBe(original.body.id);
      expect(repeated.body.status).toBe('sent');
    }
    expect(Math.max(...replays)).toBeLessThan(800);
    await smtp.waitForMessages(26, 10_000);
    expect(new Set(idsOf(smtp.received)).size).toBe(26);
    process.stdout.write(
      `sync across replicas: ${deliveredByB} of 20 delivered by the other replica, slowest ${Math.max(...durations)} ms; repeated keys slowest ${Math.max(...replays)} ms\n`,
    );
  }, 60_000);

  it('recovers the jobs of a replica killed with SIGKILL mid-send: none lost', async () => {
    apps = await startApps({
      DELIVERY_CONCURRENCY: '150',
      SMTP_POOL_SIZE: '5',
      SMTP_TIMEOUT_MS: '3000',
    });
    const [victim, survivor] = apps;
    smtp.stall(true);

    const ids = await submit(apps, 200);
    // Every email is taken by a worker and held at the stalled SMTP server.
    await until(
      '200 active jobs',
      async () => sample(await metricsOf(survivor), 'email_queue_jobs', /state="active"/) === 200,
      15_000,
    );
    await victim.kill();
    smtp.stall(false);

    await until(
      'every email to be delivered',
      () => Promise.resolve(new Set(idsOf(smtp.received)).size === 200),
      30_000,
    );
    await until(
      'the backlog to empty',
      async () => sample(await metricsOf(survivor), 'email_queue_size') === 0,
      10_000,
    );

    const delivered = idsOf(smtp.received);
    expect(new Set(delivered)).toEqual(new Set(ids));
    const duplicates = delivered.length - new Set(delivered).size;
    // A duplicate is only possible for a message whose DATA reached the server from the
    // victim before it died (the SMTP pool's connections), never for one not yet started.
    expect(duplicates).toBeLessThanOrEqual(5);
    // The killed replica counted nothing (all its sends were stalled): the survivor counted
    // every email once, including the recovered ones.
    const survivorMetrics = await metricsOf(survivor);
    expect(sample(survivorMetrics, 'email_sent_total', /status="success"/)).toBe(200);
    process.stdout.write(
      `kill -9 with 200 in flight: ${delivered.length} SMTP deliveries for 200 emails, ${duplicates} duplicate(s)\n`,
    );
  }, 60_000);

  it('drains on SIGTERM: active sends finish, unstarted jobs stay for the other replica', async () => {
    apps = await startApps({ DELIVERY_CONCURRENCY: '2', SMTP_POOL_SIZE: '2' });
    const [leaving, staying] = apps;
    smtp.stall(true);
    const ids = await submit([leaving], 20, 5);
    await until(
      'sends to be active',
      async () => sample(await metricsOf(staying), 'email_queue_jobs', /state="active"/) >= 2,
      10_000,
    );

    const stopped = leaving.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    smtp.stall(false);
    await stopped;

    await until(
      'every email to be delivered',
      () => Promise.resolve(new Set(idsOf(smtp.received)).size === 20),
      20_000,
    );
    expect(new Set(idsOf(smtp.received))).toEqual(new Set(ids));
    expect(idsOf(smtp.received)).toHaveLength(20);
    // The leaving replica finished its active sends and exited cleanly; the rest were left
    // in Redis and sent by the replica that stayed.
    expect(await leaving.exitCode).toBe(0);
    await until(
      'the backlog to empty',
      async () => sample(await metricsOf(staying), 'email_queue_size') === 0,
      10_000,
    );
    // The completed event (and so the counter) follows the job's move in Redis closely.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stayed = sample(await metricsOf(staying), 'email_sent_total', /status="success"/);
    process.stdout.write(
      `SIGTERM drain: leaving replica sent ${20 - stayed}, staying sent ${stayed}\n`,
    );
    expect(stayed).toBeGreaterThan(0);
    expect(stayed).toBeLessThan(20);
  }, 60_000);
});
