import { register } from 'prom-client';
import { PostfixServer } from '../support/postfix-server';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { until } from '../support/wait';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { ingressPort, submit } from './ingress-client';

const KEY = 'legacy-key-0123456789abcdef';

/**
 * Postfix as the real peer on both sides (issue 23): a legacy app's Postfix relays to
 * mailwatch with SASL, and as mailwatch's relay it turns a remote refusal into an RFC 3464
 * bounce that its transport_maps route back to mailwatch's listener.
 *
 *   tool ─▶ Postfix ─(SASL)─▶ mailwatch ─▶ Postfix ─▶ sink (refuses) ─▶ Postfix DSN ─▶ mailwatch
 */
describe('Postfix in front of and behind mailwatch', () => {
  let sink: TestSmtpServer;
  let postfix: PostfixServer;
  let app: TestApp;
  let ingress: number;

  beforeAll(async () => {
    sink = await TestSmtpServer.start();
    // The listener's port must be known to Postfix's config before the app starts.
    ingress = await freePort();
    postfix = await PostfixServer.start({
      masterCf: ['smtp unix - - n - - smtp'],
      mainCf: [
        'default_transport = smtp',
        `relayhost = [127.0.0.1]:${sink.port}`,
        // Bounces for mailwatch's return paths go back to its listener.
        `transport_maps = inline:{ {bounces.example.com = smtp:[127.0.0.1]:${ingress}} }`,
        // The legacy tool's mail is relayed through mailwatch, authenticated with its API key.
        `sender_dependent_relayhost_maps = inline:{ {@legacy.example = [127.0.0.1]:${ingress}} }`,
        'smtp_sasl_auth_enable = yes',
        `smtp_sasl_password_maps = inline:{ {[127.0.0.1]:${ingress} = legacy:${KEY}} }`,
        'smtp_sasl_security_options = noanonymous',
        'smtp_sasl_mechanism_filter = plain, login',
      ],
    });
    app = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${postfix.port}`,
        API_KEYS: `${KEY}=legacy`,
        SMTP_INGRESS_PORT: String(ingress),
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        BOUNCE_DOMAIN: 'bounces.example.com',
        BOUNCE_SECRET: 'postfix-loop-secret-0123456789abcdef',
      },
    });
    expect(ingressPort(app)).toBe(ingress);
  });
  afterAll(async () => {
    await app?.close();
    await postfix?.stop();
    await sink?.stop();
  });

  it('accepts mail a Postfix relays with SASL (AUTH with the API key) and delivers it as sent', async () => {
    const before = sink.received.length;
    await submit(
      { port: postfix.port, secure: false, ignoreTLS: true },
      {
        from: 'printer@legacy.example',
        to: 'office@example.org',
        subject: 'Scan',
        text: 'scanned',
      },
    );
    const [mail] = (await sink.waitForMessages(before + 1, 30_000)).slice(before);
    // Below the Received line the second Postfix hop adds, above the first hop's.
    expect(mail.raw.toString('latin1')).toMatch(/^X-Mailwatch-Id: [0-9a-f-]{36}\r\nReceived: /m);
    expect(mail.envelope.from).toMatch(
      /^bounce\+[0-9a-f-]{36}\.[0-9a-f]{16}@bounces\.example\.com$/,
    );
    expect(mail.parsed.subject).toBe('Scan');
    expect(await register.metrics()).toMatch(
      /smtp_ingress_messages_total\{client="legacy",result="accepted"\} 1/,
    );
  });

  it('a recipient refused after the relay accepted: Postfix bounces to the return path and the email shows it bounced', async () => {
    sink.failNext(550, '5.1.1 <gone@example.org>: no such user');
    const sent = await postJson<{ id: string; status: string }>(
      `${app.url}/send-email`,
      { to: 'gone@example.org', subject: 'Invoice', text: 'Hi' },
      { authorization: `Bearer ${KEY}` },
    );
    expect(sent.body.status).toBe('sent'); // Postfix accepted it: the hand-off succeeded
    let recipients: unknown;
    await until(
      'the bounce to reach the email',
      async () => {
        const view = await request<{ recipients?: unknown }>(`${app.url}/emails/${sent.body.id}`, {
          headers: { authorization: `Bearer ${KEY}` },
        });
        recipients = view.body.recipients;
        return recipients !== undefined;
      },
      30_000,
    );
    expect(recipients).toEqual([
      expect.objectContaining({
        address: 'gone@example.org',
        outcome: 'bounced',
        type: 'hard',
        status: '5.1.1',
      }),
    ]);
    expect(await register.metrics()).toMatch(
      /email_bounced_total\{client="legacy",type="hard"\} 1/,
    );
    // The hard bounce suppressed the address (feedback's suppression list, source bounce)…
    const entry = await request<{ source: string; client: string }>(
      `${app.url}/suppressions/gone@example.org`,
      { headers: { authorization: `Bearer ${KEY}` } },
    );
    expect(entry.status).toBe(200);
    expect(entry.body).toEqual(expect.objectContaining({ source: 'bounce', client: 'legacy' }));
    // …so the next email to it is refused before any relay sees it.
    const again = await postJson<{ code?: string }>(
      `${app.url}/send-email`,
      { to: 'gone@example.org', subject: 'Invoice 2', text: 'Hi' },
      { authorization: `Bearer ${KEY}` },
    );
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.body)).toContain('suppressed');
  });
});
