import { simpleParser } from 'mailparser';
import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import { rejection } from '../support/smtp-rejection';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { ScriptedSmtpServer, type ScriptedSmtpOptions } from '../support/scripted-smtp-server';

const plain: OutgoingEmail = {
  from: 'Mailwatch <noreply@example.com>',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello\n',
};

describe('SMTP engine: protocol against smtp-server', () => {
  let server: ScriptedSmtpServer;
  let engine: SmtpEngineTransport;

  async function setup(
    opts: ScriptedSmtpOptions = {},
    engineOpts: Partial<SmtpEngineOptions> = {},
  ) {
    server = await ScriptedSmtpServer.start(opts);
    engine = new SmtpEngineTransport(
      engineOptions({ host: '127.0.0.1', port: server.port, secure: false, ...engineOpts }),
      'test',
    );
  }

  afterEach(async () => {
    await engine?.close(1000);
    await server?.stop();
  });

  it('pipelines MAIL, RCPT and DATA in one write when PIPELINING is offered', async () => {
    await setup();
    const receipt = await engine.send({ ...plain, to: ['a@example.com', 'b@example.com'] }, 'id-1');
    expect(receipt.response).toMatch(/^250/);
    expect(receipt.messageId).toBe('<id-1@example.com>');
    const batch = server.chunks[0].find((c) => c.includes('MAIL FROM'));
    expect(batch).toMatch(
      /^MAIL FROM:<noreply@example.com>[^\r]*\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n$/,
    );
    const [mail] = await server.waitFor(1);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe('Hi');
    expect(parsed.text).toBe('Hello\n');
    expect(parsed.messageId).toBe('<id-1@example.com>');
    expect(parsed.headers.get('x-mailwatch-id')).toBe('id-1');
  });

  it('falls back to lock-step when PIPELINING is not offered', async () => {
    await setup({ pipelining: false });
    await engine.send({ ...plain, to: ['a@example.com', 'b@example.com'] }, 'id-2');
    await server.waitFor(1);
    const chunks = server.chunks[0];
    expect(chunks.some((c) => c.startsWith('MAIL FROM'))).toBe(true);
    expect(chunks.filter((c) => c.startsWith('RCPT TO')).length).toBe(2);
    expect(chunks.some((c) => c.includes('MAIL FROM') && c.includes('RCPT TO'))).toBe(false);
    expect(chunks).toContain('DATA\r\n');
  });

  it.each([true, false])(
    'dot-stuffs and normalises line ends (pipelining %s)',
    async (pipelining) => {
      await setup({ pipelining });
      const text = '.leading dot\r\n..two\nbare LF\rbare CR\r\n.\r\nend';
      await engine.send({ ...plain, text }, 'id-dots');
      const [mail] = await server.waitFor(1);
      const raw = mail.raw.toString('latin1');
      expect(raw).toContain('\r\n.leading dot\r\n..two\r\nbare LF\r\nbare CR\r\n.\r\nend');
      expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect((await simpleParser(mail.raw)).text).toBe(
        '.leading dot\n..two\nbare LF\nbare CR\n.\nend\n',
      );
    },
  );

  it('sends rich messages (html, attachments, non-ASCII, long lines) through MailComposer', async () => {
    await setup();
    const long = 'x'.repeat(2500);
    await engine.send(
      {
        ...plain,
        subject: 'Grüße',
        text: `héllo\n${long}`,
        html: '<p>hi</p>',
        attachments: [
          {
            filename: 'a.txt',
            contentType: 'text/plain',
            content: Buffer.from('att').toString('base64'),
            encoding: 'base64',
          },
        ],
      },
      'id-rich',
    );
    const [mail] = await server.waitFor(1);
    expect(
      mail.raw
        .toString('latin1')
        .split('\r\n')
        .every((l) => l.length <= 998),
    ).toBe(true);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe('Grüße');
    expect(parsed.text?.trim()).toBe(`héllo\n${long}`);
    expect(parsed.html).toContain('<p>hi</p>');
    expect(parsed.attachments[0].content.toString()).toBe('att');
    expect(parsed.messageId).toBe('<id-rich@example.com>');
  });

  it('keeps Bcc out of the headers and in the envelope', async () => {
    await setup();
    await engine.send({ ...plain, cc: ['c@example.com'], bcc: ['hidden@example.com'] }, 'id-bcc');
    const [mail] = await server.waitFor(1);
    expect(mail.to).toEqual(['ann@example.com', 'c@example.com', 'hidden@example.com']);
    expect(mail.raw.toString()).not.toContain('hidden@example.com');
  });

  describe.each([true, false])('recipient results (pipelining %s)', (pipelining) => {
    it('partial acceptance: delivers to the accepted, reports the 5xx-refused', async () => {
      await setup({ pipelining });
      server.onRcpt = (a) =>
        a === 'gone@example.com' ? { code: 550, message: 'no such user' } : undefined;
      const receipt = await engine.send(
        { ...plain, to: ['ann@example.com', 'gone@example.com'] },
        'id-p',
      );
      expect(receipt.accepted).toEqual(['ann@example.com']);
      expect(receipt.rejected).toEqual([{ address: 'gone@example.com', smtpCode: 550 }]);
      expect((await server.waitFor(1))[0].to).toEqual(['ann@example.com']);
    });

    it('a deferred (4xx) recipient sends nothing and defers the whole email', async () => {
      await setup({ pipelining });
      server.onRcpt = (a) =>
        a === 'busy@example.com' ? { code: 450, message: 'mailbox busy' } : undefined;
      const err = await rejection(
        engine.send({ ...plain, to: ['ann@example.com', 'busy@example.com'] }, 'id-d'),
      );
      expect(err).toMatchObject({
        code: 'deferred',
        smtpCode: 450,
        retryable: true,
        stage: 'rcpt',
      });
      server.onRcpt = undefined;
      await engine.send(plain, 'id-after');
      const mails = await server.waitFor(1);
      expect(mails.map((m) => m.raw.toString()).join()).not.toContain('id-d');
    });

    it('every recipient refused: rejected, not retryable, connection reused after RSET', async () => {
      await setup({ pipelining });
      server.onRcpt = () => ({ code: 550, message: 'no' });
      const err = await rejection(engine.send(plain, 'id-r'));
      expect(err).toMatchObject({ code: 'rejected', smtpCode: 550, retryable: false });
      server.onRcpt = undefined;
      await engine.send(plain, 'id-ok');
      expect(server.connections).toBe(1);
      expect(server.chunks[0].join('')).toContain('RSET\r\n');
    });
  });

  it.each([
    ['MAIL 451', 'mail', 451, 'deferred', true],
    ['MAIL 553', 'mail', 553, 'rejected', false],
    ['DATA end 452', 'data', 452, 'deferred', true],
    ['DATA end 554', 'data', 554, 'rejected', false],
  ] as const)(
    '%s is classified and the connection recovers',
    async (_n, where, code, kind, retryable) => {
      await setup();
      if (where === 'mail') server.onMail = () => ({ code, message: 'nope' });
      else server.dataFaults.push({ code, message: 'nope' });
      const err = await rejection(engine.send(plain, 'id-f'));
      expect(err).toMatchObject({ code: kind, smtpCode: code, retryable });
      expect(err.message).not.toContain('127.0.0.1');
      server.onMail = undefined;
      await engine.send(plain, 'id-next');
      await server.waitFor(1);
    },
  );

  it('refuses a message over the server SIZE limit before sending it', async () => {
    await setup({ size: 2000 });
    const err = await rejection(engine.send({ ...plain, text: 'y'.repeat(5000) }, 'id-big'));
    expect(err).toMatchObject({ code: 'message', retryable: false });
    await engine.send(plain, 'id-small');
    await server.waitFor(1);
  });
});
