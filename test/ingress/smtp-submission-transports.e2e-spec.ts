import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';
import { waitForStatus } from '../support/wait';
import { ingressPort, submit } from './ingress-client';

const RAW =
  'From: Jörg <jorg@example.com>\r\nTo: dev@example.org\r\nSubject: Grüße\r\n' +
  'Message-ID: <t-1@example.com>\r\nMIME-Version: 1.0\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nStraße\r\n';

/** A raw submission through the other transports: the outbox file, nodemailer's SMTP pool. */
describe('SMTP submission through the outbox and mailer transports', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const send = async () => {
    const port = ingressPort(app!);
    return submit(
      { port, secure: false, ignoreTLS: true },
      {
        envelope: { from: 'jorg@example.com', to: ['dev@example.org'] },
        raw: Buffer.from(RAW, 'utf8'),
      },
    );
  };

  it('outbox: writes the submitted bytes with the id header prepended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-ingress-outbox-'));
    try {
      app = await createTestApp({
        env: { MAIL_TRANSPORT: 'outbox', OUTBOX_DIR: dir, SMTP_INGRESS_PORT: '0' },
      });
      const { id } = await send();
      await waitForStatus(app.url, id, 'sent');
      const file = readFileSync(join(dir, `${id}.eml`));
      expect(
        file.equals(
          Buffer.concat([Buffer.from(`X-Mailwatch-Id: ${id}\r\n`), Buffer.from(RAW, 'utf8')]),
        ),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mailer (SMTP_TRANSPORT=mailer): relays the submitted bytes and envelope', async () => {
    const sink = await TestSmtpServer.start();
    try {
      app = await createTestApp({
        env: { SMTP_URL: sink.url, SMTP_TRANSPORT: 'mailer', SMTP_INGRESS_PORT: '0' },
      });
      const { id } = await send();
      const [mail] = await sink.waitForMessages(1);
      expect(mail.envelope).toEqual({ from: 'jorg@example.com', to: ['dev@example.org'] });
      expect(mail.raw.toString('utf8')).toBe(`X-Mailwatch-Id: ${id}\r\n${RAW}`);
    } finally {
      await app?.close();
      app = undefined;
      await sink.stop();
    }
  });
});
