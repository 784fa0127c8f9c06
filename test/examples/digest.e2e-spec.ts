import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, request, type TestApp } from '../support/test-app';
import { DigestModule } from './digest/digest.module';
import { DigestService } from './digest/digest.service';

describe(DigestService.name, () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  let url: string;
  let sut: DigestService;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    // The way a team adds its module: next to AppModule (in the app: in AppModule's imports).
    app = await createTestApp({
      env: { SMTP_URL: smtp.url, METRICS_CACHE_MS: '0' },
      imports: [DigestModule],
    });
    url = app.url;
    sut = app.app.get(DigestService);
  });
  afterAll(async () => {
    await app.close();
    await smtp.stop();
  });

  it('sends through MailClient and counts on its own metric and the email metrics', async () => {
    const view = await sut.sendWeekly('team@example.com', [
      { title: 'Release 1.2', url: 'https://example.com/r/1.2' },
      { title: 'Incident review', url: 'https://example.com/i/7' },
    ]);

    expect(view.status).toBe('sent');
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.envelope.to).toEqual(['team@example.com']);
    expect(mail.parsed.subject).toBe('Your weekly digest: 2 updates');
    expect(mail.parsed.text).toContain('- Release 1.2: https://example.com/r/1.2');
    const metrics = (await request(`${url}/metrics`)).text;
    expect(metrics).toContain('digest_emails_total{result="sent"} 1');
    expect(metrics).toMatch(/email_sent_total\{client="digest",status="success"\} 1/);
  });

  it('counts a rejected digest as failed', async () => {
    smtp.failNext(550, 'no such mailbox');

    const view = await sut.sendWeekly('gone@example.com', [{ title: 'x', url: 'https://e.x' }]);

    expect(view.status).toBe('failed');
    const metrics = (await request(`${url}/metrics`)).text;
    expect(metrics).toContain('digest_emails_total{result="failed"} 1');
  });
});
