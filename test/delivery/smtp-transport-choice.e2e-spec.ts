import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

/** SMTP_TRANSPORT picks the client; both deliver and both report the relay. */
describe.each(['engine', 'mailer'])('SMTP_TRANSPORT=%s', (choice) => {
  let smtp: TestSmtpServer;
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
    await smtp?.stop();
  });

  it('delivers, shows the relay on /readyz and sets email_smtp_up{relay}', async () => {
    smtp = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        SMTP_TRANSPORT: choice,
        SMTP_RELAY_NAME: 'eu',
        METRICS_CACHE_MS: '0',
      },
    });
    const res = await postJson(`${app.url}/send-email`, {
      to: 'a@example.com',
      subject: choice,
      text: 'x',
    });
    expect(res.status).toBe(200);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.parsed.subject).toBe(choice);
    expect(mail.parsed.headers.get('x-mailwatch-id')).toBe(res.body.id);
    const ready = await request(`${app.url}/readyz`);
    expect(ready.body).toMatchObject({ details: { transport: { kind: 'smtp', relay: 'up' } } });
    expect((await request(`${app.url}/metrics`)).text).toMatch(/^email_smtp_up\{relay="eu"\} 1$/m);
  });
});

describe('app shutdown with the engine', () => {
  it('says QUIT on every SMTP connection when the app closes', async () => {
    const smtp = await ScriptedSmtpServer.start();
    const app = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` } });
    try {
      const res = await postJson(`${app.url}/send-email`, {
        to: 'a@example.com',
        subject: 'q',
        text: 'x',
      });
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
    // Every connection the app opened (the health probe's and the pool's) ended with QUIT.
    expect(smtp.chunks.length).toBeGreaterThan(0);
    for (const conversation of smtp.chunks) expect(conversation.join('')).toMatch(/QUIT\r\n$/);
    await smtp.stop();
  });
});
