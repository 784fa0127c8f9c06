import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport, type RelaySpec } from '../../src/mail/transport/smtp/smtp-engine';
import { SmtpDeliveryError } from '../../src/mail/transport/smtp/smtp-error';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { rejection } from '../support/smtp-rejection';
import { until } from '../support/wait';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};

const relay = (name: string, port: number, opts: Partial<SmtpEngineOptions> = {}): RelaySpec => ({
  name,
  options: engineOptions({ host: '127.0.0.1', port, secure: false, probeMinMs: 100, ...opts }),
});

/** What the delivery queue does with a retryable failure, bounded: tries again later. */
async function deliver(engine: SmtpEngineTransport, id: string) {
  let duplicates = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return { receipt: await engine.send(email, id), duplicates };
    } catch (err) {
      const error = err as SmtpDeliveryError;
      if (!error.retryable) throw error;
      // Only a message cut off after its body may come back: anything else was handed over.
      expect(error.possibleDuplicate).toBe(true);
      duplicates++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`email ${id} not delivered in 10 attempts`);
}

describe('SMTP engine: several relays with failover', () => {
  let primary: ScriptedSmtpServer | undefined;
  let secondary: AiosmtpdServer | undefined;
  let engine: SmtpEngineTransport | undefined;

  afterEach(async () => {
    await engine?.close(500);
    await primary?.stop();
    await secondary?.stop();
    primary = secondary = engine = undefined;
  });

  async function twoRelays() {
    primary = await ScriptedSmtpServer.start();
    secondary = await AiosmtpdServer.start();
    engine = new SmtpEngineTransport(
      [relay('primary', primary.port, { poolSize: 3 }), relay('secondary', secondary.port)],
      'test',
    );
    return engine;
  }

  it('mail goes to the first relay; the receipt names it', async () => {
    const sut = await twoRelays();
    const receipt = await sut.send(email, 'first');
    expect(receipt.relay).toBe('primary');
    await primary!.waitFor(1);
    expect(secondary!.received()).toHaveLength(0);
  });

  it('primary killed under load: mail continues via the secondary, then returns to the primary', async () => {
    const sut = await twoRelays();
    const port = primary!.port;
    const sends = Array.from({ length: 120 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 10)); // ~100 emails/s, bounded: 1.2 s
      return deliver(sut, `k${i}`);
    });
    await primary!.waitFor(15);
    await primary!.stop(); // every connection cut without a word, port closed
    const results = await Promise.all(sends);
    expect(results).toHaveLength(120);
    const bySecondary = results.filter((r) => r.receipt.relay === 'secondary').length;
    expect(bySecondary).toBeGreaterThan(0);
    const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
    const received = primary!.received.length + secondary!.received().length;
    expect(received).toBeGreaterThanOrEqual(120);
    expect(received).toBeLessThanOrEqual(120 + duplicates);
    expect(sut.availability.available()).toBe(true);
    expect(sut.relays().map((r) => [r.name, r.available])).toEqual([
      ['primary', false],
      ['secondary', true],
    ]);

    primary = await ScriptedSmtpServer.start({ port });
    await until('the probe to find the primary again', () => sut.relays()[0].available, 10_000);
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => sut.send(email, `b${i}`)));
    expect(after.every((r) => r.relay === 'primary')).toBe(true);
    const attempts = sut.relays().map((r) => [r.name, r.attempts.sent]);
    expect(attempts[0][1]).toBeGreaterThanOrEqual(15 + 10);
    expect(attempts[1][1]).toBe(bySecondary);
  });

  it('a 4xx from the primary hands the message to the secondary', async () => {
    const sut = await twoRelays();
    primary!.onRcpt = () => ({ code: 451, message: 'try later' });
    const receipt = await sut.send(email, 'soft');
    expect(receipt.relay).toBe('secondary');
    expect(secondary!.received()).toHaveLength(1);
    expect(sut.relays()[0].attempts).toEqual({ deferred: 1 });
  });

  it('a 5xx from the primary is final: the secondary never sees the message', async () => {
    const sut = await twoRelays();
    primary!.onRcpt = () => ({ code: 550, message: 'no such user' });
    const err = await rejection(sut.send(email, 'hard'));
    expect(err).toMatchObject({ code: 'rejected', smtpCode: 550, retryable: false });
    expect(err.toInfo()).toMatchObject({ relay: 'primary' });
    expect(secondary!.received()).toHaveLength(0);
    expect(sut.relays()[1].attempts).toEqual({});
  });

  it('every relay down: unavailable, and the listeners wake when one answers', async () => {
    const sut = await twoRelays();
    const port = primary!.port;
    await primary!.stop();
    await secondary!.stop();
    secondary = undefined;
    const err = await rejection(sut.send(email, 'none'));
    expect(err).toMatchObject({ code: 'connection', retryable: true });
    expect(sut.availability.available()).toBe(false);
    const woken = new Promise<void>((resolve) => sut.availability.onAvailable(resolve));
    primary = await ScriptedSmtpServer.start({ port });
    await woken;
    expect((await sut.send(email, 'back')).relay).toBe('primary');
  });
});
