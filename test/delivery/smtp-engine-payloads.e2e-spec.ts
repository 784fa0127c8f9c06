import { engineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server';

/**
 * Large payloads come from a pool of reused buffers (src/mail/transport/smtp/payload-pool.ts):
 * a buffer handed to the next message while a connection still wrote it would put one
 * email's octets into another's. Real SMTP server, many distinct bodies at once, and sends
 * cut short by the watchdog and by dropped connections; every message that arrives must be
 * exactly the one its id says.
 */
function body(index: number, kilobytes: number): string {
  const lines: string[] = [];
  for (let n = 0, length = 0; length < kilobytes * 1024; n++) {
    lines.push(`${n % 7 === 0 ? '.' : ''}email ${index} line ${n} — café ${'x'.repeat(n % 60)}`);
    length += lines[n].length + 1;
  }
  return `${lines.join('\n')}\n`;
}

const email = (index: number, kilobytes: number): OutgoingEmail => ({
  from: 'noreply@example.com',
  to: [`rcpt${index}@example.com`],
  subject: `large ${index}`,
  text: body(index, kilobytes),
});

/** Every message received carries the body of the email its id names, whole. */
function expectOwnBodies(received: ReceivedMail[], sent: Map<string, OutgoingEmail>): void {
  for (const mail of received) {
    const id = mail.parsed.headers.get('x-mailwatch-id') as string;
    const original = sent.get(id);
    expect(original).toBeDefined();
    expect(mail.parsed.text).toBe(original!.text);
    expect(mail.envelope.to).toEqual(original!.to);
  }
}

describe('SMTP engine: pooled payloads of large messages', () => {
  let smtp: TestSmtpServer;
  let engine: SmtpEngineTransport;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterEach(async () => {
    smtp.stall(false);
    await engine?.close(1000);
    await smtp.stop();
  });

  const start = (attemptTimeoutMs = 30_000) =>
    new SmtpEngineTransport(
      engineOptions({ host: '127.0.0.1', port: smtp.port, secure: false, attemptTimeoutMs }),
      'test',
    );

  it('sends 60 distinct bodies of 40-400 KB at once, each arriving as its own', async () => {
    engine = start();
    const sent = new Map<string, OutgoingEmail>();
    const sends = Array.from({ length: 60 }, (_, i) => {
      const one = email(i, 40 + ((i * 37) % 360));
      sent.set(`payload-${i}`, one);
      return engine.send(one, `payload-${i}`);
    });
    await Promise.all(sends);
    const received = await smtp.waitForMessages(60, 30_000);
    expect(received).toHaveLength(60);
    expectOwnBodies(received, sent);
  });

  it('after sends cut short by the watchdog and by dropped connections, each message is still its own', async () => {
    const sent = new Map<string, OutgoingEmail>();
    let next = 0;
    const wave = (on: SmtpEngineTransport, count: number) =>
      Array.from({ length: count }, () => {
        const i = next++;
        const one = email(i, 60 + ((i * 53) % 200));
        sent.set(`payload-${i}`, one);
        return on.send(one, `payload-${i}`).then(
          () => 'sent',
          () => 'failed',
        );
      });

    // Held unanswered past a short watchdog: the sends fail and their connections close
    // while the server still holds their bodies; their buffers go back to the pool.
    const hasty = start(300);
    smtp.stall(true);
    const held = await Promise.all(wave(hasty, 12));
    expect(held.every((r) => r === 'failed')).toBe(true);
    await hasty.close(500);
    smtp.stall(false);

    // Then the pool's buffers serve other messages, some of whose connections are cut
    // after the body (possible duplicates).
    engine = start();
    smtp.dropNext(5);
    const outcomes = [
      ...(await Promise.all(wave(engine, 30))),
      ...(await Promise.all(wave(engine, 30))),
    ];
    const delivered = outcomes.filter((r) => r === 'sent').length;
    expect(delivered).toBeGreaterThan(0);

    // Everything the server accepted: what was answered `sent`, the held bodies it accepted
    // once unstalled, and dropped ones it had parsed. Each must be the email its id names.
    const received = await smtp.waitForMessages(delivered, 30_000);
    expectOwnBodies(received, sent);
  });
});
