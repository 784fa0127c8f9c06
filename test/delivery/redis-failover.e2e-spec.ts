import { AppProcess, buildApp } from '../support/app-process';
import { ClusterSet, SentinelSet } from '../support/redis-ha';
import { uniquePrefix } from '../support/redis';
import { emailIdOf } from '../support/spool-kit';
import { valueOf } from '../support/scrape';
import { TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

/** Log lines where a replica says an email may go out twice (a 503 that could not be kept, a re-run). */
const POSSIBLE_DUPLICATE =
  /"msg":"(refused email may still be delivered|email may be delivered twice)"/g;

interface FailoverResult {
  accepted: Set<string>;
  delivered: string[];
  refusals: number;
}

/**
 * `total` emails posted over `apps` by careful clients (a 503 is retried, half with an
 * Idempotency-Key); `fail()` runs once `failAfter` are accepted. Any answer but 2xx/503
 * fails the test.
 */
async function loadThrough(
  apps: AppProcess[],
  smtp: TestSmtpServer,
  total: number,
  failAfter: number,
  fail: () => Promise<unknown>,
): Promise<FailoverResult> {
  const accepted = new Set<string>();
  let refusals = 0;
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const headers = {
        prefer: 'respond-async',
        ...(i % 2 ? { 'idempotency-key': `f-${i}` } : {}),
      };
      for (let attempt = 0; ; attempt++) {
        if (attempt > 300) throw new Error(`email ${i}: still refused after 300 attempts`);
        // A keyed email's retries go to the same replica (see README: Idempotency-Key across
        // a failover); unkeyed ones alternate.
        const app = apps[(i % 2 ? i : i + attempt) % apps.length];
        const res = await postJson<{ id: string }>(
          `${app.url}/send-email`,
          { to: `u${i}@example.com`, subject: `failover ${i}`, text: 'x' },
          headers,
        );
        if (res.status === 202 || res.status === 200) {
          accepted.add(res.body.id);
          break;
        }
        if (res.status !== 503) throw new Error(`email ${i}: ${res.status} ${res.text}`);
        refusals++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const load = Promise.all(Array.from({ length: 24 }, lane)).catch((err: Error) => {
    throw new Error(`${err.message}\n${apps.map((app) => app.log.slice(-3_000)).join('\n---\n')}`);
  });
  await until('emails to be accepted before the failure', () => accepted.size >= failAfter, 60_000);
  await fail();
  await load;
  await until(
    'every accepted email to be delivered',
    () => {
      const delivered = new Set(smtp.received.map(emailIdOf));
      return [...accepted].every((id) => delivered.has(id));
    },
    120_000,
  );
  await until(
    'the backlog to empty on every replica',
    async () => {
      for (const app of apps) {
        const text = (await request(`${app.url}/metrics`)).text;
        if (valueOf(text, 'email_queue_size') !== 0) return false;
      }
      return true;
    },
    60_000,
  );
  return { accepted, delivered: smtp.received.map(emailIdOf), refusals };
}

/** Exactness after a failover, with what could not be told counted, never lost. */
async function checkExact(name: string, apps: AppProcess[], r: FailoverResult): Promise<void> {
  const distinct = new Set(r.delivered);
  const refusedYetDelivered = [...distinct].filter((id) => !r.accepted.has(id)).length;
  const twice = r.delivered.length - distinct.size;
  const flaggedInLog = apps.reduce(
    (sum, app) => sum + (app.log.match(POSSIBLE_DUPLICATE)?.length ?? 0),
    0,
  );
  let counted = 0;
  await until(
    'every outcome to be counted once',
    async () => {
      counted = 0;
      for (const app of apps) {
        counted += valueOf((await request(`${app.url}/metrics`)).text, 'email_sent_total', {
          status: 'success',
        });
      }
      return counted >= distinct.size;
    },
    90_000,
  ).catch(() => undefined); // the line below and the last expect say by how much
  // Flagged possible duplicates: counted by each replica (the log keeps only its tail, so the
  // lines seen there are a lower bound of the same count).
  let flagged = 0;
  for (const app of apps) {
    flagged += valueOf(
      (await request(`${app.url}/metrics`)).text,
      'email_possible_duplicates_total',
    );
  }

  process.stdout.write(
    `${name}: ${r.accepted.size} accepted, ${r.refusals} refusals (503), ${r.delivered.length} SMTP deliveries, ` +
      `${refusedYetDelivered} refused-yet-delivered, ${twice} delivered twice, ${flagged} flagged possible duplicates, ` +
      `email_sent_total ${counted}\n`,
  );
  // Nothing accepted is lost.
  for (const id of r.accepted) expect(distinct.has(id)).toBe(true);
  // Every extra delivery was flagged by a replica as a possible duplicate: logged and counted.
  expect(refusedYetDelivered + twice).toBeLessThanOrEqual(flagged);
  expect(flaggedInLog).toBeLessThanOrEqual(flagged);
  if (refusedYetDelivered + twice > 0) expect(flaggedInLog).toBeGreaterThan(0);
  // Each email that went out is counted exactly once across the replicas.
  expect(counted).toBe(distinct.size);
}

const appEnv = (smtp: TestSmtpServer, prefix: string, env: Record<string, string>) => ({
  QUEUE_DRIVER: 'redis',
  REDIS_PREFIX: prefix,
  REDIS_TIMEOUT_MS: '1000',
  REDIS_LOCK_MS: '3000',
  SMTP_URL: smtp.url,
  DELIVERY_CONCURRENCY: '16',
  LOG_LEVEL: 'warn',
  ...env,
});

describe('redis driver across a failover', () => {
  let smtp: TestSmtpServer;
  let apps: AppProcess[] = [];

  beforeAll(() => buildApp(), 120_000);
  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    apps = [];
    await smtp.stop();
  });

  describe('Sentinel: 1 master, 2 replicas, 3 sentinels', () => {
    let set: SentinelSet | undefined;
    afterEach(() => set?.stop());

    it('master killed mid-load: nothing accepted lost, extras flagged, counts exact, no 5xx but 503', async () => {
      set = new SentinelSet();
      await set.start();
      const env = appEnv(smtp, uniquePrefix('sentinel'), {
        REDIS_SENTINELS: set.sentinelList,
        REDIS_SENTINEL_MASTER: set.masterName,
      });
      apps = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
      const result = await loadThrough(apps, smtp, 1_000, 300, () => set!.killMaster());
      await checkExact('sentinel failover', apps, result);
    }, 300_000);
  });

  describe('Cluster: 3 masters, a replica each', () => {
    let set: ClusterSet | undefined;
    afterEach(() => set?.stop());

    it('master of the queue killed mid-load: nothing lost, extras flagged, counts exact, no 5xx but 503; the promoted master (no replica left) keeps taking mail', async () => {
      set = new ClusterSet();
      await set.start();
      const prefix = uniquePrefix('cluster');
      const env = appEnv(smtp, prefix, { REDIS_CLUSTER_NODES: set.nodeList });
      apps = await Promise.all([AppProcess.start(env), AppProcess.start(env)]);
      const result = await loadThrough(apps, smtp, 5_000, 1_500, () =>
        set!.killMasterOf(`{${prefix}}:x`),
      );
      await checkExact('cluster failover', apps, result);
      // REDIS_WAIT_REPLICAS=1 (the cluster default) met a master without replicas: said once.
      const degraded = apps.map(
        (app) => app.log.match(/fewer replicas than REDIS_WAIT_REPLICAS/g)?.length ?? 0,
      );
      expect(degraded.every((n) => n <= 1)).toBe(true);
      expect(degraded.some((n) => n === 1)).toBe(true);
      // …and shown: the promoted master has no replica, one missing on the replicas that saw it.
      const missing = await Promise.all(
        apps.map(async (app) =>
          valueOf((await request(`${app.url}/metrics`)).text, 'email_queue_replicas_missing'),
        ),
      );
      expect(missing.map((n, i) => (degraded[i] === 1 ? n : 1))).toEqual(apps.map(() => 1));
    }, 300_000);
  });
});
