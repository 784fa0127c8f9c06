import { AppProcess, buildApp } from '../support/app-process';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';
import { until } from '../support/wait';

/** The app's JSON log lines (LOG_LEVEL=info), parsed. */
const jsonLines = (log: string): Array<Record<string, unknown>> =>
  log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Redis gone under a running replica: readiness logs, shutdown time. */
describe('redis driver with Redis down', () => {
  let redis: DedicatedRedis;
  let smtp: TestSmtpServer;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    await buildApp();
    smtp = await TestSmtpServer.start();
  }, 120_000);
  beforeEach(async () => {
    redis = new DedicatedRedis(await freePort());
    await redis.start();
  });
  afterEach(async () => {
    await app?.kill();
    app = undefined;
    await redis.stop();
  });
  afterAll(() => smtp?.stop());

  const start = () =>
    AppProcess.start({
      QUEUE_DRIVER: 'redis',
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix('down'),
      REDIS_TIMEOUT_MS: '500',
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'log',
      SHUTDOWN_DRAIN_MS: '30000',
    });

  it('readiness logs one structured line when it fails and one when it is back, not one per probe', async () => {
    app = await start();
    const url = app.url;
    expect(
      (await postJson(`${url}/send-email`, { to: 'a@example.com', subject: 's', text: 'x' }))
        .status,
    ).toBe(200);

    await redis.stop();
    await until('/readyz to fail', async () => (await request(`${url}/readyz`)).status === 503);
    for (let i = 0; i < 20; i++) expect((await request(`${url}/readyz`)).status).toBe(503);
    await redis.start();
    await until(
      '/readyz to recover',
      async () => (await request(`${url}/readyz`)).status === 200,
      15_000,
    );
    for (let i = 0; i < 5; i++) expect((await request(`${url}/readyz`)).status).toBe(200);

    const lines = jsonLines(app.log);
    const readiness = lines.filter((l) => l.msg === 'not ready' || l.msg === 'ready again');
    expect(readiness.map((l) => l.msg)).toEqual(['not ready', 'ready again']);
    expect(readiness[0].level).toBe('warn');
    expect(readiness[0].checks).toEqual({ queue: expect.stringMatching(/not accepting/) });
    expect(typeof readiness[1].downSeconds).toBe('number');
    // No per-probe error line from the health check library.
    expect(app.log).not.toMatch(/Health Check has failed/);
  }, 60_000);

  it('SIGTERM with Redis down and nothing in flight: exits within 2 s, code 0', async () => {
    app = await start();
    expect(
      (await postJson(`${app.url}/send-email`, { to: 'a@example.com', subject: 's', text: 'x' }))
        .status,
    ).toBe(200);
    await redis.stop();
    await until(
      '/readyz to fail',
      async () => (await request(`${app!.url}/readyz`)).status === 503,
    );

    const began = Date.now();
    app.terminate();
    const code = await app.exitCode;
    const ms = Date.now() - began;
    process.stdout.write(
      `SIGTERM with Redis down, nothing in flight: exited in ${ms} ms (code ${code})\n`,
    );
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2_000);
  }, 60_000);
});
