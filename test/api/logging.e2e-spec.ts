import { startLoggedApp } from '../support/logged-app';
import { TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';

describe('Structured logs', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('writes one JSON access line (LOG_REQUESTS=true) and one outcome line per send, sharing the request id', async () => {
    const sut = await startLoggedApp({ SMTP_URL: smtp.url, SEND_WAIT_MS: '5000' });
    try {
      const res = await postJson(
        `${sut.url}/send-email`,
        { to: 'secret.person@example.com', subject: 'Hi', text: 'body text 1234' },
        { 'x-request-id': 'abc-123', 'x-client-id': 'billing', authorization: 'Bearer s3cr3t' },
      );

      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('abc-123');
      const email = sut.lines.filter((l) => l.emailId === res.body.id);
      expect(email).toHaveLength(1);
      expect(email[0]).toMatchObject({
        msg: 'email sent',
        requestId: 'abc-123',
        client: 'billing',
        attempts: 1,
        level: 'info',
      });
      const access = sut.lines.filter((l) => l.requestId === 'abc-123' && l.res !== undefined);
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        req: { method: 'POST', path: '/send-email' },
        res: { statusCode: 200 },
      });
      const all = sut.raw.join('');
      expect(all).not.toContain('secret.person@example.com');
      expect(all).not.toContain('s3cr3t');
      expect(all).not.toContain('body text 1234');
    } finally {
      await sut.close();
    }
  });

  it('writes nothing but the outcome line for a send at info level without access lines', async () => {
    const sut = await startLoggedApp({ SMTP_URL: smtp.url, LOG_REQUESTS: 'false' });
    try {
      const res = await postJson(
        `${sut.url}/send-email`,
        { to: 'a@example.com', subject: 'Hi', text: 'x' },
        { 'x-request-id': 'quiet-1', 'x-client-id': 'billing' },
      );
      expect(res.status).toBe(200);
      const mine = sut.lines.filter((l) => l.requestId === 'quiet-1' || l.emailId === res.body.id);
      expect(mine).toEqual([
        expect.objectContaining({ msg: 'email sent', requestId: 'quiet-1', emailId: res.body.id }),
      ]);
      const raw = sut.raw
        .join('')
        .split('\n')
        .find((l) => l.includes(String(res.body.id)));
      expect(raw?.match(/"requestId"/g)).toHaveLength(1);
    } finally {
      await sut.close();
    }
  });

  it('logs the final outcome of an email answered 202 with its request id, once', async () => {
    const sut = await startLoggedApp({ SMTP_URL: smtp.url });
    try {
      smtp.failNext(550, 'No such user here');
      const res = await postJson(
        `${sut.url}/send-email`,
        { to: 'ghost@example.com', subject: 'Hi', text: 'x' },
        { 'x-request-id': 'async-42', 'x-client-id': 'reports', prefer: 'respond-async' },
      );
      expect(res.status).toBe(202);

      const deadline = Date.now() + 10_000;
      const outcome = () =>
        sut.lines.filter((l) => l.emailId === res.body.id && l.msg === 'email failed');
      while (outcome().length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(outcome()).toHaveLength(1);
      expect(outcome()[0]).toMatchObject({
        requestId: 'async-42',
        client: 'reports',
        reason: 'rejected',
        smtpCode: 550,
        attempts: 1,
        level: 'warn',
      });
      expect(sut.raw.join('')).not.toContain('ghost@example.com');
    } finally {
      await sut.close();
    }
  });

  it('writes each retry as a structured line: emailId, attempt, reason and smtpCode as fields', async () => {
    const sut = await startLoggedApp({
      SMTP_URL: smtp.url,
      RETRY_BASE_MS: '10',
      RETRY_MAX_MS: '20',
    });
    try {
      smtp.failNext(451, 'Try again later', 2);
      const res = await postJson(
        `${sut.url}/send-email`,
        { to: 'a@example.com', subject: 'Hi', text: 'x' },
        { 'x-client-id': 'reports' },
      );
      expect(res.status).toBe(200);
      const retries = sut.lines.filter(
        (l) => l.emailId === res.body.id && l.msg === 'email attempt failed; retrying',
      );
      expect(retries).toEqual([
        expect.objectContaining({
          level: 'warn',
          attempt: 1,
          reason: 'deferred',
          smtpCode: 451,
          retryInMs: expect.any(Number),
        }),
        expect.objectContaining({ level: 'warn', attempt: 2, reason: 'deferred', smtpCode: 451 }),
      ]);
    } finally {
      await sut.close();
    }
  });

  it('replaces an unsafe or over-long X-Request-ID with a generated one', async () => {
    const sut = await startLoggedApp({});
    try {
      const long = await request(`${sut.url}/healthz`, {
        headers: { 'x-request-id': 'a'.repeat(65) },
      });
      const odd = await request(`${sut.url}/healthz`, { headers: { 'x-request-id': 'x y"<' } });
      const none = await request(`${sut.url}/healthz`);

      for (const res of [long, odd, none]) {
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      const ok = await request(`${sut.url}/healthz`, {
        headers: { 'x-request-id': 'a'.repeat(64) },
      });
      expect(ok.headers.get('x-request-id')).toBe('a'.repeat(64));
    } finally {
      await sut.close();
    }
  });
});
