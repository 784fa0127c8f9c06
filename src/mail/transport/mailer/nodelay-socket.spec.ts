import { Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import { TestSmtpServer } from '../../../../test/support/smtp-server';
import type { MailConfig } from '../../../config/mail.config';
import { buildMailerOptions } from './mailer-options.factory';
import { getNoDelaySocket } from './nodelay-socket';

/**
 * Guards the SMTP throughput fix (docs/benchmarks.md): every pooled SMTP connection must be
 * a socket with Nagle's algorithm off. The first version of the hook was silently ignored by
 * nodemailer's pool, so this checks the socket the server actually talked to.
 */
describe(getNoDelaySocket.name, () => {
  let smtp: TestSmtpServer;
  const noDelayPorts = new Set<number>();
  const original = Socket.prototype.setNoDelay;
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    // Observe (not replace) setNoDelay, recording which local ports turned Nagle off.
    spy = jest.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (
      this: Socket,
      noDelay?: boolean,
    ) {
      const result = original.call(this, noDelay);
      if (noDelay !== false) {
        const record = () => this.localPort && noDelayPorts.add(this.localPort);
        if (this.localPort) record();
        else this.once('connect', record);
      }
      return result;
    });
  });

  afterAll(async () => {
    spy.mockRestore();
    await smtp.stop();
  });

  it('is what the pooled SMTP transport connects through', async () => {
    const config = {
      mailFrom: 'a@example.com',
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, displayName: 'x' },
      smtpPoolSize: 2,
      smtpTimeoutMs: 5000,
    } as MailConfig;
    const options = buildMailerOptions(config);
    const transport = createTransport(options.transport as Parameters<typeof createTransport>[0]);
    const clientPorts: number[] = [];
    smtp.onConnection = (remotePort) => clientPorts.push(remotePort);

    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        transport.sendMail({
          from: 'a@example.com',
          to: 'b@example.com',
          subject: `s${i}`,
          text: 'x',
        }),
      ),
    );
    transport.close();

    expect(smtp.received).toHaveLength(4);
    expect(clientPorts.length).toBeGreaterThan(0);
    for (const port of clientPorts) expect(noDelayPorts.has(port)).toBe(true);
  });

  it('reports a refused connection as an error nodemailer classifies as a connection failure', async () => {
    const err = await new Promise<Error | null>((resolve) =>
      getNoDelaySocket({ host: '127.0.0.1', port: 1, connectionTimeout: 2000 }, (e) => resolve(e)),
    );
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
