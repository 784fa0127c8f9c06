import { engineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { rejection } from '../support/smtp-rejection';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};

/** The most messages the server accepted within any one second. */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

describe('SMTP engine: per-relay send-rate cap', () => {
  let server: ScriptedSmtpServer | undefined;
  let engine: SmtpEngineTransport | undefined;

  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
    server = engine = undefined;
  });

  /** Sends `count` at once; returns when the relay accepted each (MAIL FROM seen). */
  async function burst(sut: SmtpEngineTransport, count: number, tag: string) {
    const times: number[] = [];
    server!.onMail = () => void times.push(Date.now());
    await Promise.all(Array.from({ length: count }, (_, i) => sut.send(email, `${tag}${i}`)));
    return times;
  }

  it('a relay capped at 10 msg/s receives at most 10 in any second (±10 %)', async () => {
    server = await ScriptedSmtpServer.start();
    engine = new SmtpEngineTransport(
      engineOptions({ host: '127.0.0.1', port: server.port, secure: false, maxPerSecond: 10 }),
      'test',
    );
    const times = await burst(engine, 35, 'r');
    expect(times).toHaveLength(35);
    expect(peakPerSecond(times)).toBeLessThanOrEqual(11);
    const span = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(34 / span).toBeLessThanOrEqual(11);
    expect(34 / span).toBeGreaterThan(7); // the cap, not something slower, sets the pace
  });

  it('a 421 "slow down" halves that relay\'s rate for a while, then it recovers', async () => {
    server = await ScriptedSmtpServer.start();
    engine = new SmtpEngineTransport(
      engineOptions({
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        maxPerSecond: 10,
        rateRecoveryMs: 3000,
      }),
      'test',
    );
    const sut = engine;
    server.onMail = () => ({ code: 421, message: '4.7.0 slow down' });
    const err = await rejection(sut.send(email, 'slow'));
    expect(err).toMatchObject({ code: 'deferred', smtpCode: 421, retryable: true });
    const relay = sut.relayList[0];
    expect(relay.rate.current()).toBe(5);
    const times = await burst(sut, 12, 'h');
    expect(peakPerSecond(times)).toBeLessThanOrEqual(6);
    const span = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(11 / span).toBeLessThanOrEqual(5.5);
    // No 421 for the recovery period: the rate doubles back to the configured cap.
    const recovered = Date.now() + 3000;
    expect(relay.rate.current(recovered)).toBe(10);
  });
});
