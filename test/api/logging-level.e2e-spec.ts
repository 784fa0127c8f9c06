import { startLoggedApp } from '../support/logged-app';
import { TestSmtpServer } from '../support/smtp-server';
import { postJson } from '../support/test-app';

// Its own file: nestjs-pino keeps its root logger per module instance, so a level set by an
// earlier app in the same jest module registry would leak into this one.
describe('Structured logs with LOG_LEVEL=warn', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('honours LOG_LEVEL and LOG_REQUESTS=false', async () => {
    const sut = await startLoggedApp({
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
    });
    try {
      const res = await postJson(`${sut.url}/send-email`, {
        to: 'a@example.com',
        subject: 'Hi',
        text: 'x',
      });

      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(sut.lines.filter((l) => (l.level as number) < 40)).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});
