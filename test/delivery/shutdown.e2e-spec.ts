import { AppProcess } from '../support/app-process';
import { TestSmtpServer } from '../support/smtp-server';
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
  });
});
