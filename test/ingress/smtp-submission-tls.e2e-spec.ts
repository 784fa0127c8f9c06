import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { createPrivateCa, type PrivateCa } from '../support/private-ca';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'grafana-key-0123456789abcdef';

/** STARTTLS and implicit TLS with a certificate from a private CA; DKIM survives the trip. */
describe('SMTP submission over TLS', () => {
  let ca: PrivateCa;
  let sink: TestSmtpServer;
  const apps: TestApp[] = [];

  const start = async (env: Record<string, string>) => {
    const app = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        API_KEYS: `${KEY}=grafana`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_TLS_CERT: ca.files.cert,
        SMTP_INGRESS_TLS_KEY: ca.files.key,
        ...env,
      },
    });
    apps.push(app);
    return ingressPort(app);
  };

  beforeAll(async () => {
    ca = createPrivateCa();
    sink = await TestSmtpServer.start();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(async () => {
    await sink?.stop();
    ca?.dispose();
  });

  const auth = { user: 'grafana', pass: KEY };
  const message = { from: 'alerts@example.com', to: 'oncall@example.org', text: 'firing' };

  it('refuses AUTH before STARTTLS, and accepts it after STARTTLS against the private CA', async () => {
    const port = await start({});
    const cleartext = await refusal({ port, secure: false, ignoreTLS: true, auth }, message);
    expect(cleartext.code).toBe(538);
    const sent = await submit(
      {
        port,
        secure: false,
        requireTLS: true,
        tls: { ca: [ca.ca] },
        auth,
      },
      { ...message, subject: 'over STARTTLS' },
    );
    expect(sent.response).toMatch(/^250 2\.0\.0 queued as /);
  });

  it('serves implicit TLS (SMTP_INGRESS_IMPLICIT_TLS) and a client that trusts another CA fails', async () => {
    const port = await start({ SMTP_INGRESS_IMPLICIT_TLS: 'true' });
    const sent = await submit({ port, secure: true, tls: { ca: [ca.ca] }, auth }, message);
    expect(sent.response).toMatch(/^250 /);
    const other = createPrivateCa();
    try {
      await expect(
        submit({ port, secure: true, tls: { ca: [other.ca] }, auth }, message),
      ).rejects.toThrow(/certificate/i);
    } finally {
      other.dispose();
    }
  });

  it('keeps a DKIM signature made by the submitting tool valid at the receiving end (verified by mailauth)', async () => {
    const port = await start({});
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const before = sink.received.length;
    await submit(
      { port, secure: false, requireTLS: true, tls: { ca: [ca.ca] }, auth },
      {
        from: 'alerts@example.com',
        to: 'oncall@example.org',
        subject: 'Signed: disk 91% full – Grüße',
        text: 'Line one\r\n.leading dot\r\nUnicode: ✓ Straße\r\n',
        html: '<p>signed <b>html</b> part</p>',
        attachments: [{ filename: 'a.txt', content: 'attachment body' }],
        dkim: {
          domainName: 'example.com',
          keySelector: 'mw',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
    );
    const [mail] = (await sink.waitForMessages(before + 1)).slice(before);
    expect(mail.raw.toString('latin1')).toMatch(/^X-Mailwatch-Id: /);
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const result = await dkimVerify(mail.raw, {
      resolver: (name: string, type: string) =>
        name === 'mw._domainkey.example.com' && type === 'TXT'
          ? Promise.resolve([[`v=DKIM1; k=rsa; p=${der}`]])
          : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })),
    });
    expect(result.results).toHaveLength(1);
    expect(result.results[0].status.result).toBe('pass');
  });
});
