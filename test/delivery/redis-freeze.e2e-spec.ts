import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { valueOf } from '../support/scrape';
import { emailIdOf } from '../support/spool-kit';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until, untilQueueEmpty } from '../support/wait';

/** Freeze lengths: shorter and longer than REDIS_TIMEOUT_MS (400 ms) and than its margins. */
const FREEZES_S = [1, 3, 6, 12];
const MAX_EMAILS = 3_000;

/**
 * "503 means nothing was queued", under load, across Redis freezes (SIGSTOP: TCP up, every
 * command left unanswered) shorter and longer than every timeout involved. Careful clients
 * retry a 503 with the same body (and, for half of them, the same Idempotency-Key) until it
 * is accepted. A request answered 503 whose email was delivered anyway shows up as a
 * delivered email id nobody was given; a burned key as a 409 or as a retry never accepted.
 */
describe('redis driver: 503 means nothing queued across Redis freezes', () => {
  let redis: DedicatedRedis;
  let smtp: TestSmtpServer;
  let app: TestApp | undefined;

  beforeAll(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    redis?.freeze(false);
    await app?.close();
    await smtp?.stop();
    await redis?.stop();
  });

  it('freezes of 1, 3, 6 and 12 s under load: 503-yet-delivered 0, burned keys 0', async () => {
    app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('freeze'),
        REDIS_TIMEOUT_MS: '400',
      },
    });
    const url = app.url;
    const accepted = new Map<number, string>();
    const refusedKeyed = new Set<number>();
    let refusals = 0;
    let burned = 0;
    let next = 0;
    let done = false;
    /** Retries a 503 with the same body and key until accepted; stops when told, bounded. */
    const client = async () => {
      while (!done && next < MAX_EMAILS) {
        const i = next++;
        const keyed = i % 2 === 0;
        const body = { to: `u${i}@example.com`, subject: `freeze ${i}`, text: 'x' };
        const headers = {
          prefer: 'respond-async',
          ...(keyed ? { 'idempotency-key': `k-${i}` } : {}),
        };
        for (let attempt = 0; attempt < 400; attempt++) {
          const res = await postJson<{ id: string }>(`${url}/send-email`, body, headers);
          if (res.status === 202 || res.status === 200) {
            accepted.set(i, res.body.id);
            break;
          }
          if (res.status === 409 || res.status === 422) burned++;
          else if (res.status !== 503) throw new Error(`email ${i}: ${res.status} ${res.text}`);
          refusals++;
          if (keyed) refusedKeyed.add(i);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, client));

    const refusedBy: number[] = [];
    for (const seconds of FREEZES_S) {
      const before = accepted.size;
      await until(
        'emails to be accepted between freezes',
        () => accepted.size >= before + 40,
        30_000,
      );
      const refusedBefore = refusals;
      redis.freeze(true);
      const thawAt = Date.now() + seconds * 1_000;
      await until(
        'a request to be refused during the freeze',
        () => refusals > refusedBefore,
        5_000,
      );
      await until('the freeze to end', () => Date.now() >= thawAt, seconds * 1_000 + 1_000);
      redis.freeze(false);
      refusedBy.push(refusals - refusedBefore);
    }
    done = true;
    await load;
    await untilQueueEmpty(app, 60_000);
    await until('/readyz to recover', async () => (await request(`${url}/readyz`)).status === 200);

    const ids = new Set(accepted.values());
    const delivered = smtp.received.map((m) => emailIdOf(m));
    const refusedYetDelivered = delivered.filter((id) => !ids.has(id)).length;
    // Every key refused at least once is usable again: the same request replays its email.
    let replayed = 0;
    for (const i of refusedKeyed) {
      const res = await postJson<{ id: string }>(
        `${url}/send-email`,
        { to: `u${i}@example.com`, subject: `freeze ${i}`, text: 'x' },
        { prefer: 'respond-async', 'idempotency-key': `k-${i}` },
      );
      if (res.body.id === accepted.get(i)) replayed++;
    }
    process.stdout.write(
      `freezes ${FREEZES_S.join('/')} s: ${accepted.size} accepted, ${refusals} refusals (${refusedBy.join('/')}), ` +
        `${refusedYetDelivered} refused-yet-delivered, ${burned} burned keys, ${refusedKeyed.size} keyed emails refused then replayed ${replayed}\n`,
    );
    expect(refusedBy.every((n) => n > 0)).toBe(true);
    expect(refusedYetDelivered).toBe(0);
    expect(burned).toBe(0);
    expect(replayed).toBe(refusedKeyed.size);
    expect(delivered).toHaveLength(accepted.size);
    expect(new Set(delivered)).toEqual(ids);
    // An outcome whose count met a freeze is counted once Redis answers again (the claim is
    // retried with backoff up to 10 s): wait for it, then require exactly one count per email.
    let counted = 0;
    await until(
      'every delivered email to be counted',
      async () => {
        const metrics = (await request(`${url}/metrics`)).text;
        counted = valueOf(metrics, 'email_sent_total', { status: 'success' });
        return counted >= accepted.size;
      },
      30_000,
    ).catch(() => undefined);
    expect(counted).toBe(accepted.size);
  }, 180_000);
});
