import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { untilQueueEmpty } from '../support/wait';

const email = (extra: Record<string, unknown> = {}) => ({
  to: 'alice@example.com',
  subject: 'Quarterly report',
  text: 'Numbers attached.',
  ...extra,
});

async function pollUntil<T>(
  fn: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('POST /send-email against a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let sut: TestApp;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Mailwatch <noreply@mailwatch.test>',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '200',
        MAX_ATTEMPTS: '4',
        SMTP_TIMEOUT_MS: '1000',
      },
    });
  });

  afterEach(async () => {
    await sut.close();
    await smtp.stop();
  });

  it('delivers the email and answers 200 with the id and Message-ID', async () => {
    const res = await postJson(`${sut.url}/send-email`, {
      to: ['alice@example.com', 'Bob Builder <bob@example.com>'],
      cc: 'carol@example.com',
      bcc: ['dave@example.com'],
      replyTo: 'support@example.com',
      subject: 'Grüße aus Köln',
      text: 'plain body',
      html: '<p>html body</p>',
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', attempts: 1 });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const [mail] = await smtp.waitForMessages(1);
    expect(res.body.messageId).toBe(mail.parsed.messageId);
    expect(mail.parsed.subject).toBe('Grüße aus Köln');
    expect(mail.parsed.text?.trim()).toBe('plain body');
    expect(mail.parsed.html).toContain('<p>html body</p>');
    expect(mail.parsed.from?.value).toEqual([
      { address: 'noreply@mailwatch.test', name: 'Mailwatch' },
    ]);
    expect(mail.parsed.replyTo?.value[0].address).toBe('support@example.com');
    expect(mail.parsed.headers.get('x-mailwatch-id')).toBe(res.body.id);
    expect(mail.envelope.to.sort()).toEqual(
      ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'].sort(),
    );
    // Bcc is on the envelope only, never in the headers other recipients see.
    expect(mail.raw.toString()).not.toMatch(/dave@example\.com/);
  });

  it('uses an explicit from instead of MAIL_FROM', async () => {
    const res = await postJson(`${sut.url}/send-email`, email({ from: 'billing@example.com' }));
    expect(res.status).toBe(200);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.envelope.from).toBe('billing@example.com');
  });

  it('answers 422 and does not retry when the server rejects permanently (550)', async () => {
    smtp.failNext(550, 'Mailbox unavailable');

    const res = await postJson(`${sut.url}/send-email`, email());

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'rejected', smtpCode: 550, retryable: false },
    });
    await untilQueueEmpty(sut);
    expect(smtp.dataAttempts).toBe(1);
    expect(smtp.received).toHaveLength(0);
  });

  it('retries a 451 and delivers exactly once, with attempts: 2', async () => {
    smtp.failNext(451, 'Try again later');

    const res = await postJson(`${sut.url}/send-email`, email());

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', attempts: 2 });
    await untilQueueEmpty(sut);
    expect(smtp.received).toHaveLength(1);
    const view = await request(`${sut.url}/emails/${String(res.body.id)}`);
    expect(view.body).toMatchObject({
      status: 'sent',
      attempts: 2,
      lastError: { code: 'deferred', smtpCode: 451, retryable: true },
    });
  });

  it('retries when the connection drops mid-transaction', async () => {
    smtp.dropNext();
    const res = await postJson(`${sut.url}/send-email`, email());
    expect(res.status).toBe(200);
    expect(res.body.attempts).toBe(2);
    expect(smtp.received).toHaveLength(1);
  });

  it('answers 202 with Location at once for Prefer: respond-async, then delivers', async () => {
    const res = await postJson(`${sut.url}/send-email`, email(), { prefer: 'respond-async' });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued' });
    expect(res.headers.get('location')).toBe(`/emails/${String(res.body.id)}`);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    const view = await pollUntil(
      () => request(`${sut.url}${res.headers.get('location')}`),
      (r) => r.body.status === 'sent',
    );
    expect(view.body).toMatchObject({
      id: res.body.id,
      status: 'sent',
      attempts: 1,
      client: 'unknown',
    });
    expect(typeof view.body.createdAt).toBe('string');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await request(`${sut.url}/emails/4b0f5a4e-8a4b-4c4e-9d7e-0c1f2a3b4c5d`);
    expect(unknown.status).toBe(404);
    const malformed = await request(`${sut.url}/emails/not-an-id`);
    expect(malformed.status).toBe(400);
  });
});

describe('delivery when the SMTP server is unreachable or stalls', () => {
  const apps: TestApp[] = [];
  const servers: TestSmtpServer[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('keeps retrying while the connection is refused and delivers once the server is up', async () => {
    const port = await freePort();
    const sut = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        RETRY_BASE_MS: '100',
        RETRY_MAX_MS: '300',
        MAX_ATTEMPTS: '20',
        SEND_WAIT_MS: '300',
      },
    });
    apps.push(sut);

    const res = await postJson(`${sut.url}/send-email`, email());
    expect(res.status).toBe(202);
    const pending = await request(`${sut.url}/emails/${String(res.body.id)}`);
    expect(pending.body).toMatchObject({ status: 'deferred', lastError: { code: 'connection' } });

    const smtp = await TestSmtpServer.start({ port });
    servers.push(smtp);
    const view = await pollUntil(
      () => request(`${sut.url}/emails/${String(res.body.id)}`),
      (r) => r.body.status === 'sent',
    );
    expect(view.body.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
  });

  it('gives up on a stalled server after the timeout and the attempt budget (502)', async () => {
    const smtp = await TestSmtpServer.start();
    servers.push(smtp);
    smtp.stall(true);
    const sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        SMTP_TIMEOUT_MS: '300',
        MAX_ATTEMPTS: '2',
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '50',
      },
    });
    apps.push(sut);

    const res = await postJson(`${sut.url}/send-email`, email());

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'timeout', retryable: true },
    });
    expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
  });

  it('answers 503 with Retry-After when the queue is full, and queues nothing', async () => {
    const smtp = await TestSmtpServer.start();
    servers.push(smtp);
    smtp.stall(true);
    const sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_CAPACITY: '2',
        SMTP_TIMEOUT_MS: '5000',
      },
    });
    apps.push(sut);
    const async = { prefer: 'respond-async' };

    const first = await postJson(`${sut.url}/send-email`, email(), async);
    const second = await postJson(`${sut.url}/send-email`, email(), async);
    const third = await postJson(`${sut.url}/send-email`, email(), async);

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(third.body.message).toMatch(/queue is full/);
    expect(third.body.id).toBeUndefined();
    smtp.stall(false);
  });
});

describe('SMTP AUTH from the credentials in SMTP_URL', () => {
  let smtp: TestSmtpServer;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    smtp = await TestSmtpServer.start({ auth: { user: 'mailer@corp', pass: 'p@ss:w/rd' } });
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  afterAll(async () => {
    await smtp.stop();
  });

  it('logs in with percent-encoded credentials and delivers', async () => {
    const sut = await createTestApp({ env: { SMTP_URL: smtp.url } });
    apps.push(sut);

    const res = await postJson(`${sut.url}/send-email`, email());

    expect(res.status).toBe(200);
    expect(smtp.received).toHaveLength(1);
  });

  it('fails permanently with 502 on wrong credentials, without echoing them', async () => {
    const sut = await createTestApp({
      env: {
        SMTP_URL: `smtp://mailer%40corp:wrong-secret@127.0.0.1:${smtp.port}`,
      },
    });
    apps.push(sut);

    const res = await postJson(`${sut.url}/send-email`, email());

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'auth', smtpCode: 535, retryable: false },
    });
    expect(res.text).not.toContain('wrong-secret');
  });
});
