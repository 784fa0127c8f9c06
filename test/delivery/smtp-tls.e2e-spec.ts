import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { TestSmtpServer } from '../support/smtp-server';
import { postJson } from '../support/test-app';

/**
 * TLS through the no-delay socket hook: nodemailer must still upgrade the connection we hand
 * it, for implicit TLS (smtps://) and for STARTTLS (smtp://). A private CA is trusted the
 * standard Node way, NODE_EXTRA_CA_CERTS — the service needs no TLS settings of its own.
 */
describe('SMTP over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  let tls: { key: Buffer; cert: Buffer };
  let app: AppProcess | undefined;
  let smtp: TestSmtpServer | undefined;

  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
  });

  afterEach(async () => {
    await app?.kill();
    await smtp?.stop();
    app = smtp = undefined;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['implicit TLS (smtps://)', true, 'smtps'],
    ['STARTTLS (smtp://)', false, 'smtp'],
  ])(
    'delivers with %s to a relay whose CA is in NODE_EXTRA_CA_CERTS',
    async (_name, implicit, scheme) => {
      smtp = await TestSmtpServer.start({ tls: { ...tls, implicit } });
      let secured = false;
      smtp.onSecure = () => (secured = true);
      app = await AppProcess.start({
        SMTP_URL: `${scheme}://127.0.0.1:${smtp.port}`,
        NODE_EXTRA_CA_CERTS: certFile,
      });

      const res = await postJson(`${app.url}/send-email`, {
        to: 'a@example.com',
        subject: 'tls',
        text: 'x',
      });

      expect(res.status).toBe(200);
      expect(smtp.received).toHaveLength(1);
      expect(secured).toBe(true);
    },
  );

  it('refuses a relay whose certificate is not trusted', async () => {
    smtp = await TestSmtpServer.start({ tls: { ...tls, implicit: true } });
    app = await AppProcess.start({ SMTP_URL: `smtps://127.0.0.1:${smtp.port}`, MAX_ATTEMPTS: '1' });

    const res = await postJson(`${app.url}/send-email`, {
      to: 'a@example.com',
      subject: 'tls',
      text: 'x',
    });

    expect(res.status).toBe(502);
    expect(smtp.received).toHaveLength(0);
  });
});
