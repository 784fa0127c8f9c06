import { simpleParser } from 'mailparser';
import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { PostfixServer } from '../support/postfix-server';
import { createPrivateCa, type PrivateCa } from '../support/private-ca';

const email: OutgoingEmail = {
  from: 'Mailwatch <noreply@example.com>',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};
const tricky = '.starts with a dot\n..two dots\r\n.\nbare CR\rend';
const rich: OutgoingEmail = {
  ...email,
  subject: 'Grüße',
  text: `héllo ${'x'.repeat(1200)}`,
  html: '<b>hi</b>',
  attachments: [
    {
      filename: 'a.bin',
      contentType: 'application/octet-stream',
      content: Buffer.from([0, 1, 2, 255]).toString('base64'),
      encoding: 'base64',
    },
  ],
};

function engineFor(port: number, extra: Partial<SmtpEngineOptions> = {}) {
  return new SmtpEngineTransport(
    engineOptions({ host: '127.0.0.1', port, secure: false, ...extra }),
    'peer',
  );
}

describe('SMTP engine against Python aiosmtpd (no PIPELINING: lock-step)', () => {
  let server: AiosmtpdServer;
  let engine: SmtpEngineTransport;
  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
  });

  it('delivers plain and rich messages intact (dot-stuffing, CRLF, MailComposer)', async () => {
    server = await AiosmtpdServer.start();
    engine = engineFor(server.port);
    await engine.send({ ...email, text: tricky }, 'a1');
    await engine.send(rich, 'a2');
    const [plain, composed] = server.received();
    expect((await simpleParser(plain.raw)).text).toBe(
      '.starts with a dot\n..two dots\n.\nbare CR\nend\n',
    );
    const parsed = await simpleParser(composed.raw);
    expect(parsed.subject).toBe('Grüße');
    expect(parsed.text?.trim()).toBe(rich.text);
    expect([...parsed.attachments[0].content]).toEqual([0, 1, 2, 255]);
  });

  it('partial acceptance and deferral by recipient', async () => {
    server = await AiosmtpdServer.start();
    engine = engineFor(server.port);
    const receipt = await engine.send(
      { ...email, to: ['ann@example.com', 'reject-me@example.com'] },
      'p1',
    );
    expect(receipt.rejected).toEqual([{ address: 'reject-me@example.com', smtpCode: 550 }]);
    await expect(
      engine.send({ ...email, to: ['ann@example.com', 'defer-me@example.com'] }, 'p2'),
    ).rejects.toMatchObject({
      code: 'deferred',
      smtpCode: 450,
    });
    await expect(
      engine.send({ ...email, to: ['reject-me@example.com'] }, 'p3'),
    ).rejects.toMatchObject({ code: 'rejected', retryable: false });
    await engine.send(email, 'p4');
    expect(server.received().map((m) => m.to)).toEqual([['ann@example.com'], ['ann@example.com']]);
  });

  it('AUTH against aiosmtpd: right credentials deliver, wrong ones are an auth failure', async () => {
    server = await AiosmtpdServer.start({ auth: { user: 'svc', pass: 's3cret' } });
    engine = engineFor(server.port, { auth: { user: 'svc', pass: 's3cret' } });
    await engine.send(email, 'auth1');
    const wrong = engineFor(server.port, { auth: { user: 'svc', pass: 'nope' } });
    await expect(wrong.send(email, 'auth2')).rejects.toMatchObject({
      code: 'auth',
      retryable: false,
    });
    await wrong.close();
    expect(server.received()).toHaveLength(1);
  });

  it('SMTPUTF8 with a Unicode mailbox', async () => {
    server = await AiosmtpdServer.start();
    engine = engineFor(server.port);
    await engine.send({ ...email, to: ['jörg@example.com'] }, 'u1');
    const [mail] = server.received();
    expect(mail.to).toEqual(['jörg@example.com']);
    expect(mail.options).toContain('SMTPUTF8');
  });
});

describe('SMTP engine against a private Postfix (PIPELINING, STARTTLS)', () => {
  let ca: PrivateCa;
  let postfix: PostfixServer;
  let engine: SmtpEngineTransport;

  beforeAll(async () => {
    ca = createPrivateCa();
    postfix = await PostfixServer.start({
      tls: { key: ca.files.key, cert: ca.files.cert },
      recipientReplies: {
        'gone@example.com': '550 5.1.1 no such user',
        'later@example.com': '450 4.2.1 try later',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await postfix?.stop();
    ca?.dispose();
  });
  afterEach(() => engine?.close(500));

  it('delivers 40 concurrent messages over STARTTLS (private CA) through Postfix to its store', async () => {
    engine = engineFor(postfix.port, {
      tls: { ca: ca.ca, rejectUnauthorized: true },
      starttls: 'required',
      poolSize: 4,
      maxMessagesPerConnection: 15,
    });
    const before = postfix.stored().length;
    const receipts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        engine.send({ ...email, text: `${tricky} #${i}` }, `pf-${i}`),
      ),
    );
    expect(receipts.every((r) => /^250 2\.0\.0 Ok: queued as/.test(r.response ?? ''))).toBe(true);
    const stored = await postfix.waitForStored(before + 40);
    const texts = await Promise.all(stored.map(async (m) => (await simpleParser(m.raw)).text));
    expect(texts).toContain('.starts with a dot\n..two dots\n.\nbare CR\nend #7\n');
    expect(stored.some((m) => m.raw.toString().includes('with ESMTPS'))).toBe(true);
  });

  it('rich message, partial acceptance and deferral with Postfix access rules', async () => {
    engine = engineFor(postfix.port, { starttls: 'never' });
    const before = postfix.stored().length;
    const receipt = await engine.send(
      { ...rich, to: ['ann@example.com', 'gone@example.com'] },
      'pf-rich',
    );
    expect(receipt.rejected).toEqual([{ address: 'gone@example.com', smtpCode: 550 }]);
    await expect(
      engine.send({ ...email, to: ['ann@example.com', 'later@example.com'] }, 'pf-later'),
    ).rejects.toMatchObject({
      code: 'deferred',
      smtpCode: 450,
    });
    const stored = await postfix.waitForStored(before + 1);
    const parsed = await simpleParser(
      stored.find((m) => m.raw.toString().includes('pf-rich'))!.raw,
    );
    expect(parsed.subject).toBe('Grüße');
    expect([...parsed.attachments[0].content]).toEqual([0, 1, 2, 255]);
  });

  it('a certificate Postfix presents from an unknown CA is refused', async () => {
    engine = engineFor(postfix.port, { tls: { rejectUnauthorized: true } });
    await expect(engine.send(email, 'pf-untrusted')).rejects.toMatchObject({
      code: 'connection',
      message: expect.stringMatching(/TLS/),
    });
  });
});
