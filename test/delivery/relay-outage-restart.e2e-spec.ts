import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { emailIdOf, tempDir } from '../support/spool-kit';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

/**
 * Issue 19: a rolling deploy during a relay outage. SIGTERM while every relay is down must not
 * spend the retry budget inside the drain: the process exits within its bound, the emails stay
 * queued with their attempt counts unchanged, and the next process (same spool file, same
 * Redis prefix) delivers each of them exactly once when the relay is back. Real processes
 * (`node dist/main.js`), a real SMTP server that is absent, then present.
 */
const EMAILS = 5;
const DRAIN_MS = 10_000;

describe.each(['spool', 'redis'] as const)('SIGTERM during a relay outage (%s)', (driver) => {
  const dir = tempDir('outage-restart-');
  const prefix = uniquePrefix('outage-restart');
  const apps: AppProcess[] = [];
  let smtp: TestSmtpServer | undefined;

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await smtp?.stop();
    if (driver === 'redis') {
      for (const key of ['short', 'long-timer']) await deletePrefix(`${prefix}-${key}`);
    }
    dir.remove();
  });

  const views = async (app: AppProcess, ids: string[]) =>
    Promise.all(ids.map(async (id) => (await request(`${app.url}/emails/${id}`)).body));

  type Timing = { retryBaseMs: number; retryMaxMs: number; drainMs: number; stopBoundMs: number };

  const outageRestart = async (key: string, t: Timing) => {
    const port = await freePort();
    const env = {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      QUEUE_DRIVER: driver,
      ...(driver === 'spool' ? { SPOOL_PATH: join(dir.dir, `spool-${key}.db`) } : {}),
      ...(driver === 'redis' ? { REDIS_PREFIX: `${prefix}-${key}` } : {}),
      RETRY_BASE_MS: String(t.retryBaseMs),
      RETRY_MAX_MS: String(t.retryMaxMs),
      SHUTDOWN_DRAIN_MS: String(t.drainMs),
      SMTP_HEALTH_INTERVAL_MS: '1000',
    };
    const first = await AppProcess.start(env);
    apps.push(first);
    const ids: string[] = [];
    for (let i = 0; i < EMAILS; i++) {
      const res = await postJson<{ id: string }>(
        `${first.url}/send-email`,
        { to: `restart${i}@example.com`, subject: `restart ${i}`, text: 'x' },
        { prefer: 'respond-async' },
      );
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    let before: Record<string, unknown>[] = [];
    await until(
      'every email to wait as deferred',
      async () => {
        before = await views(first, ids);
        return before.every((v) => v.status === 'deferred');
      },
      20_000,
    );

    const stopping = Date.now();
    await first.stop();
    const stopMs = Date.now() - stopping;

    expect(await first.exitCode).toBe(0);
    expect(stopMs).toBeLessThan(t.stopBoundMs);
    expect(first.log).not.toMatch(/email failed/);

    // The relay is back, then the next process starts on the same spool file / Redis prefix:
    // each email goes out with exactly one more attempt than it had, so the drain spent none.
    smtp = await TestSmtpServer.start({ port });
    const second = await AppProcess.start(env);
    apps.push(second);
    let after: Record<string, unknown>[] = [];
    await until(
      'every email to be sent after the restart',
      async () => {
        after = await views(second, ids);
        return after.every((v) => v.status === 'sent');
      },
      // up to a 20 s retry timer, or a held redis job's 30 s recheck, plus a loaded machine
      75_000,
    );
    for (let i = 0; i < EMAILS; i++) {
      expect({ id: ids[i], attempts: after[i].attempts }).toEqual({
        id: ids[i],
        attempts: Number(before[i].attempts) + 1,
      });
    }
    const delivered = smtp.received.map((m) => emailIdOf(m));
    expect(delivered.sort()).toEqual([...ids].sort());
    await smtp.stop();
    smtp = undefined;
  };

  it('exits within the drain bound, keeps every email and its attempts, delivers them after the restart', async () => {
    await outageRestart('short', {
      retryBaseMs: 200,
      retryMaxMs: 1000,
      drainMs: DRAIN_MS,
      stopBoundMs: DRAIN_MS + 5_000,
    });
  }, 180_000);

  // Retries 10-20 s apart and a 40 s drain bound: a shutdown that waited out (or spent) a
  // deferred email's retry timer would take at least 10 s or add an attempt; it takes neither.
  it("does not wait out a deferred email's retry timer, nor spend it, nor fail it", async () => {
    await outageRestart('long-timer', {
      retryBaseMs: 20_000,
      retryMaxMs: 20_000,
      drainMs: 40_000,
      stopBoundMs: 9_000,
    });
  }, 180_000);
});
