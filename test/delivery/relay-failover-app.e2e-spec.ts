import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

/** Two relays in SMTP_URL, through the whole app: queue, metrics, /readyz, GET /emails/:id. */
describe('SMTP_URL with two relays', () => {
  let primary: ScriptedSmtpServer | undefined;
  let backup: AiosmtpdServer | undefined;
  let app: TestApp | undefined;

  afterEach(async () => {
    await app?.close();
    await primary?.stop();
    await backup?.stop();
  });

  const metrics = async () => (await request(`${app!.url}/metrics`)).text;
  const send = async (subject: string) => {
    const res = await postJson(`${app!.url}/send-email`, {
      to: 'a@example.com',
      subject,
      text: 'x',
    });
    expect(res.status).toBe(200);
    return res.body as { id: string; status: string };
  };

  it('fails over when the primary dies and shows each relay in metrics and /readyz', async () => {
    primary = await ScriptedSmtpServer.start();
    backup = await AiosmtpdServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${primary.port},backup=smtp://127.0.0.1:${backup.port}`,
        METRICS_CACHE_MS: '0',
        SMTP_PROBE_MIN_MS: '100',
        SMTP_PROBE_MAX_MS: '200',
      },
    });
    expect((await send('one')).status).toBe('sent');
    await primary.waitFor(1);

    await primary.stop();
    primary = undefined;
    for (const subject of ['two', 'three']) expect((await send(subject)).status).toBe('sent');
    expect(backup.received()).toHaveLength(2);

    const text = await metrics();
    expect(text).toMatch(/^email_smtp_up\{relay="primary"\} 0$/m);
    expect(text).toMatch(/^email_smtp_up\{relay="backup"\} 1$/m);
    expect(text).toMatch(/^email_smtp_attempts_total\{relay="primary",outcome="sent"\} 1$/m);
    expect(text).toMatch(/^email_smtp_attempts_total\{relay="backup",outcome="sent"\} 2$/m);
    const ready = await request(`${app.url}/readyz`);
    expect(ready.body).toMatchObject({
      details: {
        transport: { kind: 'smtp', relay: 'up', relays: { primary: 'down', backup: 'up' } },
      },
    });
    expect(JSON.stringify(ready.body)).not.toContain('127.0.0.1');
  });

  it('a 5xx from the primary fails the email, naming the relay; the backup never sees it', async () => {
    primary = await ScriptedSmtpServer.start();
    backup = await AiosmtpdServer.start();
    primary.onRcpt = () => ({ code: 550, message: 'no such user' });
    app = await createTestApp({
      env: {
        SMTP_URL: `eu=smtp://127.0.0.1:${primary.port},smtp://127.0.0.1:${backup.port}`,
        METRICS_CACHE_MS: '0',
      },
    });
    const res = await postJson(`${app.url}/send-email`, {
      to: 'a@example.com',
      subject: 'hard',
      text: 'x',
    });
    expect(res.status).toBe(422);
    const id = res.body.id as string;
    let view: Record<string, unknown> = {};
    await until('the email to fail', async () => {
      view = (await request(`${app!.url}/emails/${id}`)).body;
      return view.status === 'failed';
    });
    expect(view).toMatchObject({ lastError: { code: 'rejected', smtpCode: 550, relay: 'eu' } });
    expect(backup.received()).toHaveLength(0);
    expect(await metrics()).toMatch(
      /^email_smtp_attempts_total\{relay="eu",outcome="rejected"\} 1$/m,
    );
  });
});
