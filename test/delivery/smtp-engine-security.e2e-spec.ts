import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { createPrivateCa, type PrivateCa } from '../support/private-ca';
import { ScriptedSmtpServer, type ScriptedSmtpOptions } from '../support/scripted-smtp-server';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};

describe('SMTP engine: TLS, AUTH, 8BITMIME/SMTPUTF8', () => {
  let ca: PrivateCa;
  let server: ScriptedSmtpServer;
  let engine: SmtpEngineTransport;

  beforeAll(() => {
    ca = createPrivateCa();
  });
  afterAll(() => ca.dispose());
  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
  });

  async function setup(opts: ScriptedSmtpOptions, engineOpts: Partial<SmtpEngineOptions> = {}) {
    server = await ScriptedSmtpServer.start(opts);
    engine = new SmtpEngineTransport(
      engineOptions({
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        tls: { ca: ca.ca, rejectUnauthorized: true },
        ...engineOpts,
      }),
      'test',
    );
    return engine;
  }

  const sawPlainMail = () =>
    server.chunks.flat().some((c) => c.includes('MAIL FROM')) || server.mailOverTls.includes(false);

  it('implicit TLS with a private CA: delivers over TLS', async () => {
    const e = await setup(
      { tls: { key: ca.key, cert: ca.cert, implicit: true } },
      { secure: true },
    );
    await e.send(email, 'tls1');
    await server.waitFor(1);
    expect(server.mailOverTls).toEqual([true]);
  });

  it('STARTTLS with a private CA: upgrades before the envelope', async () => {
    const e = await setup({ tls: { key: ca.key, cert: ca.cert, implicit: false } });
    await e.send(email, 'tls2');
    await server.waitFor(1);
    expect(server.mailOverTls).toEqual([true]);
  });

  it.each([
    ['implicit', true],
    ['STARTTLS', false],
  ])('%s: a certificate from an untrusted CA is refused', async (_n, implicit) => {
    const e = await setup(
      { tls: { key: ca.key, cert: ca.cert, implicit } },
      { secure: implicit, tls: { rejectUnauthorized: true } },
    );
    await expect(e.send(email, 'bad')).rejects.toMatchObject({
      code: 'connection',
      message: expect.stringMatching(/TLS/),
    });
    expect(server.received).toHaveLength(0);
  });

  it('STARTTLS required but not offered: refuses to send in clear', async () => {
    const e = await setup({}, { starttls: 'required' });
    await expect(e.send(email, 'clear')).rejects.toMatchObject({ stage: 'starttls' });
    expect(sawPlainMail()).toBe(false);
  });

  it.each(['PLAIN', 'LOGIN'])('AUTH %s with the right credentials', async (method) => {
    const e = await setup(
      { auth: { user: 'u', pass: 'p@ss', methods: [method] } },
      { auth: { user: 'u', pass: 'p@ss' } },
    );
    await e.send(email, 'auth');
    await server.waitFor(1);
    expect(server.chunks[0].join('')).toContain(`AUTH ${method}`);
    expect(server.chunks[0].join('')).not.toContain('p@ss');
  });

  it('AUTH with wrong credentials: auth, not retryable, and the password is not in the error', async () => {
    const e = await setup(
      { auth: { user: 'u', pass: 'right' } },
      { auth: { user: 'u', pass: 'wrong-secret' } },
    );
    const err = (await e.send(email, 'a').catch((x: unknown) => x)) as Error;
    expect(err).toMatchObject({ code: 'auth', smtpCode: 535, retryable: false });
    expect(JSON.stringify(err) + err.message).not.toMatch(/wrong-secret|127\.0\.0\.1/);
  });

  it('Unicode local part: MAIL FROM carries SMTPUTF8 when offered', async () => {
    const e = await setup({});
    await e.send({ ...email, to: ['jörg@exämple.com'] }, 'utf8');
    await server.waitFor(1);
    // smtp-server shows the envelope decoded; the wire has the domain as punycode.
    const wire = Buffer.from(server.chunks[0].join(''), 'latin1').toString('utf8');
    expect(wire).toContain('RCPT TO:<jörg@xn--exmple-cua.com>');
    expect(server.chunks[0].join('')).toMatch(
      /MAIL FROM:<noreply@example.com> BODY=8BITMIME SMTPUTF8/,
    );
  });

  it('Unicode local part and no SMTPUTF8: a permanent message error, nothing sent', async () => {
    const e = await setup({ smtpUtf8: false });
    await expect(e.send({ ...email, to: ['jörg@example.com'] }, 'u')).rejects.toMatchObject({
      code: 'message',
      retryable: false,
    });
    expect(server.chunks[0].join('')).not.toContain('MAIL FROM');
    await e.send(email, 'fine');
  });

  it('IDN domains go out as punycode without needing SMTPUTF8', async () => {
    const e = await setup({ smtpUtf8: false });
    await e.send({ ...email, to: ['ann@bücher.example'] }, 'idn');
    await server.waitFor(1);
    expect(server.chunks[0].join('')).toContain('RCPT TO:<ann@xn--bcher-kva.example>');
  });
});
