import { AppProcess } from '../support/app-process';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

describe('graceful shutdown on SIGTERM', () => {
  let smtp: TestSmtpServer;
  let app: AppProcess | undefined;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
  });

  afterEach(async () => {
    await app?.kill();
    await smtp.stop();
  });

  it('stops accepting, delivers every queued and in-flight email, then exits 0', async () => {
    app = await AppProcess.start({
      SMTP_URL: smtp.url,
      SHUTDOWN_DRAIN_MS: '15000',
      LOG_LEVEL: 'log',
    });
    smtp.stall(true);
    const accepted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJson(
          `${app!.url}/send-email`,
          { to: `r${i}@example.com`, subject: `n${i}`, text: 'x' },
          { prefer: 'respond-async' },
        ),
      ),
    );
    expect(accepted.map((r) => r.status)).toEqual(Array(20).fill(202));

    app.terminate();
    // While draining: not ready, and new emails are refused with 503, not lost.
    const url = app.url;
    await until(
      'the draining app to report not ready',
      async () => (await request(`${url}/readyz`)).status === 503,
    );
    const ready = await request(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    const refused = await postJson(`${app.url}/send-email`, {
      to: 'late@example.com',
      subject: 'late',
      text: 'x',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

    smtp.stall(false);
    const code = await app.exitCode;
    expect(code).toBe(0);
    const subjects = new Set(smtp.received.map((m) => m.parsed.subject));
    for (let i = 0; i < 20; i++) expect(subjects.has(`n${i}`)).toBe(true);
    expect(subjects.has('late')).toBe(false);
    expect(app.log).toMatch(/every accepted email was resolved/);
    // Every outcome line, written while draining, reached stdout before the process exited.
    const outcomes = app.log
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'email sent');
    expect(outcomes.map((line) => line.emailId).sort()).toEqual(
      accepted.map((r) => r.body.id).sort(),
    );
  });
});

describe('shutdown is bounded whatever the relay or Redis do', () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });

  /** SIGTERM, then the time to exit and the exit code. */
  async function timedStop(proc: AppProcess): Promise<{ ms: number; code: number | string }> {
    const began = Date.now();
    proc.terminate();
    const code = await proc.exitCode;
    return { ms: Date.now() - began, code };
  }

  it('memory driver, relay down: exits within SHUTDOWN_DRAIN_MS + 5 s, listing the undelivered emails by id', async () => {
    app = await AppProcess.start({
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      SHUTDOWN_DRAIN_MS: '1000',
      RETRY_BASE_MS: '200',
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await postJson<{ id: string }>(
        `${app.url}/send-email`,
        { to: `r${i}@example.com`, subject: 'down', text: 'x' },
        { prefer: 'respond-async' },
      );
      ids.push(res.body.id);
    }

    const { ms, code } = await timedStop(app);

    expect(ms).toBeLessThan(1_000 + 5_000);
    expect(code).toBe(1);
    for (const id of ids) expect(app.log).toContain(id);
  });

  it('redis driver, Redis frozen: exits within SHUTDOWN_DRAIN_MS + 5 s', async () => {
    const redis = new DedicatedRedis(await freePort());
    await redis.start();
    try {
      app = await AppProcess.start({
        QUEUE_DRIVER: 'redis',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('shutdown'),
        REDIS_TIMEOUT_MS: '500',
        SHUTDOWN_DRAIN_MS: '1000',
      });
      redis.freeze(true);

      const { ms } = await timedStop(app);

      expect(ms).toBeLessThan(1_000 + 5_000 + 1_500);
    } finally {
      await redis.stop();
    }
  });
});
