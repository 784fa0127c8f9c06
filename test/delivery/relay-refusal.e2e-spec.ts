import { AppProcess, buildApp } from '../support/app-process';
import { createPrivateCa, type PrivateCa } from '../support/private-ca';
import { TestSmtpServer } from '../support/smtp-server';
import { request } from '../support/test-app';
import { until } from '../support/wait';

/**
 * A relay that is up but refuses our configuration (issue 25): the real service, started
 * against a real smtp-server that requires AUTH and rejects our password, and against a
 * TLS-only one whose certificate we do not trust. Start-up names the refusal (by relay
 * name, never host or credentials) and /readyz is not ready, consistently (README, "Health").
 */
describe('relay refusing our credentials or TLS', () => {
  let smtp: TestSmtpServer | undefined;
  let app: AppProcess | undefined;
  let ca: PrivateCa | undefined;

  // The one-off compile of the app is not part of any test's time budget.
  beforeAll(() => buildApp(), 240_000);

  afterEach(async () => {
    await app?.stop();
    await smtp?.stop();
    ca?.dispose();
    app = smtp = ca = undefined;
  });

  function logLine(pattern: RegExp): Record<string, unknown> | undefined {
    const line = app!.log.split('\n').find((l) => pattern.test(l));
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  }

  type Readiness = {
    message?: string;
    details?: { transport?: Record<string, unknown> };
  };

  async function readiness(): Promise<{ status: number; body: Readiness }> {
    const res = await request<Readiness>(`${app!.url}/readyz`);
    return { status: res.status, body: res.body };
  }

  it('credentials: one error line naming the relay and the code, /readyz 503', async () => {
    smtp = await TestSmtpServer.start({ auth: { user: 'mailwatch', pass: 'right-secret' } });
    const url = `smtp://mailwatch:wrong-secret@127.0.0.1:${smtp.port}`;
    app = await AppProcess.start({ SMTP_URL: url, LOG_LEVEL: 'info' });
    await until('the refusal line', () => /refused our credentials/.test(app!.log), 20_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${app!.log}`);
      },
    );

    const line = logLine(/refused our credentials/)!;
    expect(line.level).toBe('error');
    expect(line.msg).toBe(
      'SMTP relay "primary" refused our credentials (535); sends will fail with code auth (check SMTP_URL\'s user and password)',
    );
    expect(app.log).not.toMatch(/is down; accepted emails/);
    expect(app.log).not.toContain('wrong-secret');
    expect(line.msg).not.toContain('127.0.0.1');

    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      code: 'service_unavailable',
      message: 'not ready: transport: every relay refuses our credentials; sends would fail',
    });
    const metrics = await request(`${app.url}/metrics`);
    expect(metrics.text).toMatch(/^email_smtp_up(\{relay="primary"\})? 0$/m);
  }, 90_000);

  it('TLS: a certificate we do not trust is reported as TLS, not as a relay down', async () => {
    ca = createPrivateCa();
    smtp = await TestSmtpServer.start({ tls: { key: ca.key, cert: ca.cert, implicit: true } });
    app = await AppProcess.start({ SMTP_URL: `smtps://127.0.0.1:${smtp.port}`, LOG_LEVEL: 'info' });
    await until('the refusal line', () => /refused our TLS/.test(app!.log), 20_000);

    const line = logLine(/refused our TLS/)!;
    expect(line.level).toBe('error');
    expect(line.msg).toMatch(/^SMTP relay "primary" refused our TLS .*code connection/);
    expect(app.log).not.toMatch(/is down; accepted emails/);
    expect(line.msg).not.toContain('127.0.0.1');

    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.body.message).toBe(
      'not ready: transport: every relay refuses our TLS; sends would fail',
    );
  }, 90_000);

  it('a relay that is merely down keeps the pod ready, shown as down (mail waits)', async () => {
    smtp = await TestSmtpServer.start();
    const port = smtp.port;
    await smtp.stop();
    smtp = undefined;
    app = await AppProcess.start({ SMTP_URL: `smtp://127.0.0.1:${port}`, LOG_LEVEL: 'info' });
    await until('the down line', () => /is down; accepted emails wait/.test(app!.log), 20_000);
    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body.details?.transport).toMatchObject({ status: 'up', relay: 'down' });
  }, 90_000);
});
