import { register } from 'prom-client';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, request, type TestApp } from '../support/test-app';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'billing-key-0123456789abcdef';
const OTHER_KEY = 'crm-key-0123456789abcdef0000';

/**
 * SMTP submission with nodemailer as a real client, delivered through the app's own engine to
 * a real smtp-server sink (issue 23). Cleartext AUTH is allowed here explicitly (loopback).
 */
describe('SMTP submission', () => {
  let sink: TestSmtpServer;
  let app: TestApp;
  let port: number;
  const auth = { user: 'billing', pass: KEY };

  beforeAll(async () => {
    sink = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        API_KEYS: `${KEY}=billing,${OTHER_KEY}=crm`,
        ALLOWED_SENDER_DOMAINS: 'example.com',
        RECIPIENT_DOMAINS_DENY: 'blocked.example',
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        SMTP_INGRESS_MAX_BYTES: '20000',
        SMTP_INGRESS_MAX_RECIPIENTS: '3',
      },
    });
    port = ingressPort(app);
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
  });

  const client = () => ({ port, secure: false, ignoreTLS: true, auth });

  it('accepts an authenticated message, stores it before 250 and delivers its bytes unchanged with X-Mailwatch-Id', async () => {
    const { response, id } = await submit(client(), {
      from: 'jira@example.com',
      to: 'dev@example.org',
      bcc: 'audit@example.org',
      subject: 'Build 42 failed',
      text: 'see the log',
      messageId: '<build-42@example.com>',
    });
    expect(response).toMatch(/^250 2\.0\.0 queued as /);
    const [mail] = await sink.waitForMessages(1);
    expect(mail.envelope.to.sort()).toEqual(['audit@example.org', 'dev@example.org']);
    const text = mail.raw.toString('latin1');
    expect(text.startsWith(`X-Mailwatch-Id: ${id}\r\n`)).toBe(true);
    expect(mail.parsed.messageId).toBe('<build-42@example.com>');
    expect(text).not.toMatch(/^Bcc:/im);
    const view = await request(`${app.url}/emails/${id}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(view.body).toMatchObject({ id, client: 'billing', status: 'sent' });
    const metrics = await register.metrics();
    expect(metrics).toMatch(/email_sent_total\{client="billing",status="success"\} 1/);
    expect(metrics).toMatch(/smtp_ingress_messages_total\{client="billing",result="accepted"\} 1/);
  });

  it('answers a resubmitted Message-ID with the first email and does not send it again', async () => {
    const message = {
      from: 'ci@example.com',
      to: 'dev@example.org',
      subject: 'nightly',
      text: 'ok',
      messageId: '<nightly-7@example.com>',
      // The same bytes both times: nodemailer's own Date header would change with the second.
      date: new Date('2026-12-05T12:00:00Z'),
    };
    const first = await submit(client(), message);
    const again = await submit(client(), message);
    expect(again.response).toMatch(/duplicate Message-ID/);
    expect(again.id).toBe(first.id);
    // A later message arriving proves the queue moved past the duplicate without sending it.
    const later = await submit(client(), { ...message, messageId: '<nightly-8@example.com>' });
    await sink.waitForMessages(3);
    const ids = sink.received.map(
      (m) => m.raw.toString('latin1').match(/^X-Mailwatch-Id: (\S+)/)?.[1],
    );
    expect(ids.filter((x) => x === first.id)).toHaveLength(1);
    expect(ids).toContain(later.id);
  });

  it('refuses a wrong key, a username that is not the key’s client, and sending without AUTH', async () => {
    const wrongKey = await refusal(
      { ...client(), auth: { user: 'billing', pass: 'nope-nope-nope-nope' } },
      { from: 'a@example.com', to: 'b@example.org', text: 'x' },
    );
    expect(wrongKey.code).toBe(535);
    const otherClient = await refusal(
      { ...client(), auth: { user: 'billing', pass: OTHER_KEY } },
      { from: 'a@example.com', to: 'b@example.org', text: 'x' },
    );
    expect(otherClient.code).toBe(535);
    const anonymous = await refusal(
      { port, secure: false, ignoreTLS: true },
      { from: 'a@example.com', to: 'b@example.org', text: 'x' },
    );
    expect(anonymous.code).toBe(530);
    expect(await register.metrics()).toMatch(/smtp_ingress_auth_failures_total 2/);
  });

  it('refuses by policy with 5xx: a sender outside ALLOWED_SENDER_DOMAINS, a denied recipient domain', async () => {
    const sender = await refusal(client(), {
      from: 'x@evil.example',
      to: 'b@example.org',
      text: 'x',
    });
    expect(sender.code).toBe(550);
    expect(sender.response).toMatch(/5\.7\.1 from: client billing may not send as this address/);
    const recipient = await refusal(client(), {
      from: 'a@example.com',
      to: 'b@blocked.example',
      text: 'x',
    });
    expect(recipient.code).toBe(550);
    expect(recipient.response).toMatch(
      /5\.7\.1 to: recipient domain blocked\.example is not allowed/,
    );
  });

  it('refuses an oversized message with 552 and recipients past the limit with 452', async () => {
    const big = await refusal(client(), {
      from: 'a@example.com',
      to: 'b@example.org',
      text: 'y'.repeat(30_000),
    });
    expect(big.code).toBe(552);
    const before = sink.received.length;
    const many = await submit(client(), {
      from: 'a@example.com',
      to: ['1@example.org', '2@example.org', '3@example.org', '4@example.org'],
      text: 'x',
    });
    // RFC 5321 §4.5.3.1.10: 452 for the extra recipient; the client may send it separately.
    expect(many.rejected).toEqual(['4@example.org']);
    const mail = await sink.waitForMessages(before + 1);
    expect(mail[before].envelope.to).toHaveLength(3);
  });

  it('keeps an 8-bit SMTPUTF8 message byte for byte', async () => {
    const raw = Buffer.from(
      'From: Jörg <jörg@example.com>\r\nTo: zoë@example.org\r\nSubject: Grüße aus Köln ✓\r\n' +
        'Message-ID: <utf8-1@example.com>\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
        'Straße, Übermut, 東京\r\n',
      'utf8',
    );
    await submit(client(), {
      envelope: { from: 'jörg@example.com', to: ['zoë@example.org'] },
      raw,
    });
    const mail = (await sink.waitForMessages(sink.received.length + 1)).at(-1)!;
    expect(mail.envelope.to).toEqual(['zoë@example.org']);
    expect(mail.parsed.subject).toBe('Grüße aus Köln ✓');
    const body = mail.raw.subarray(mail.raw.indexOf('\r\n') + 2);
    expect(body.equals(raw)).toBe(true);
  });
});
