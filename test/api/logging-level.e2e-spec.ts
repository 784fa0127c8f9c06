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
      LOG_LEVEL: 'WARN',
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
      expect(
        sut.lines.filter((l) => !['warn', 'error', 'fatal'].includes(l.level as string)),
      ).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});

describe("Structured logs with LOG_LEVEL=info (pino's name for Nest's log)", () => {
  it('is accepted and prints string levels', async () => {
    const sut = await startLoggedApp({ LOG_LEVEL: 'info', LOG_REQUESTS: 'true' });
    try {
      const res = await postJson(`${sut.url}/send-email`, {
        to: 'a@example.com',
        subject: 'Hi',
        text: 'x',
      });
      expect(res.status).toBe(200);
      expect(sut.lines.some((l) => l.level === 'info')).toBe(true);
      expect(sut.lines.filter((l) => typeof l.level !== 'string')).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});
