import { Logger } from '@nestjs/common';
import { engineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';

const PASSWORD = 's3cret-pw';
const BODY = 'TOPSECRETBODY';

describe('SMTP engine: conversation log (SMTP_DEBUG)', () => {
  let server: ScriptedSmtpServer | undefined;
  let engine: SmtpEngineTransport | undefined;
  let lines: string[];

  beforeEach(() => {
    lines = [];
    // The log sink only: the conversation itself is real.
    jest.spyOn(Logger.prototype, 'debug').mockImplementation((message: unknown) => {
      lines.push(String(message));
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await engine?.close(500);
    await server?.stop();
    server = engine = undefined;
  });

  async function sendOnce(methods: string[], conversationLog: boolean) {
    server = await ScriptedSmtpServer.start({ auth: { user: 'mailer', pass: PASSWORD, methods } });
    engine = new SmtpEngineTransport(
      engineOptions({
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        auth: { user: 'mailer', pass: PASSWORD },
        conversationLog,
      }),
      'test',
      undefined,
      'eu',
    );
    await engine.send(
      { from: 'a@example.com', to: ['b@example.com'], subject: 's', text: BODY },
      'c1',
    );
    await server.waitFor(1);
  }

  const secrets = [
    PASSWORD,
    BODY,
    'mailer',
    Buffer.from(PASSWORD).toString('base64'),
    Buffer.from('\0mailer\0' + PASSWORD).toString('base64'),
  ];

  it.each([['PLAIN'], ['LOGIN']])(
    'AUTH %s: commands and reply codes per relay, never credentials or the body',
    async (method) => {
      await sendOnce([method], true);
      const log = lines.join('\n');
      expect(lines.every((l) => l.startsWith('relay "eu" '))).toBe(true);
      expect(log).toContain('> MAIL FROM:<a@example.com>');
      expect(log).toContain('> RCPT TO:<b@example.com>');
      expect(log).toMatch(/< 220/);
      expect(log).toMatch(/< 235/);
      expect(log).toMatch(/> \[message, \d+ octets\]/);
      expect(log).toMatch(/< 250/);
      expect(log).toContain(method === 'PLAIN' ? '> AUTH PLAIN ****' : '> **** (password)');
      for (const secret of secrets) expect(log).not.toContain(secret);
    },
  );

  it('is off unless asked for', async () => {
    await sendOnce(['PLAIN'], false);
    expect(lines.filter((l) => l.startsWith('relay "eu"'))).toEqual([]);
  });
});
