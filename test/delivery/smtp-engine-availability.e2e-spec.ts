import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { freePort } from '../support/smtp-server';
import { rejection } from '../support/smtp-rejection';
import { until } from '../support/wait';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};

/** The transport's RelayAvailability against a real relay that goes away and comes back. */
describe('SMTP engine: relay availability', () => {
  let server: ScriptedSmtpServer | undefined;
  let engine: SmtpEngineTransport | undefined;

  function makeEngine(port: number, opts: Partial<SmtpEngineOptions> = {}) {
    engine = new SmtpEngineTransport(
      engineOptions({ host: '127.0.0.1', port, secure: false, probeMinMs: 100, ...opts }),
      'test',
    );
    return engine;
  }

  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
    server = undefined;
    engine = undefined;
  });

  it('is available before the first contact and while the relay answers', async () => {
    server = await ScriptedSmtpServer.start();
    const sut = makeEngine(server.port);
    expect(sut.availability.available()).toBe(true);
    await sut.send(email, 'a1');
    expect(sut.availability.available()).toBe(true);
  });

  it('a stopped relay is unavailable; the probe finds it again and wakes the listeners', async () => {
    const port = await freePort();
    const sut = makeEngine(port, { probeMinMs: 100, probeMaxMs: 400 });
    const woken: number[] = [];
    sut.availability.onAvailable(() => woken.push(Date.now()));
    const err = await rejection(sut.send(email, 'down'));
    expect(err).toMatchObject({ code: 'connection', retryable: true });
    expect(sut.availability.available()).toBe(false);
    expect(sut.up).toBe(false);
    // Nothing sends now: only the probe can notice the relay is back.
    server = await ScriptedSmtpServer.start({ port });
    await until('the probe to find the relay', () => woken.length === 1, 10_000);
    expect(sut.availability.available()).toBe(true);
    expect(sut.up).toBe(true);
    await sut.send(email, 'back');
    await server.waitFor(1);
    expect(woken).toHaveLength(1);
  });

  it('a relay that stalls its greeting: later sends fail at once, not after the timeout', async () => {
    server = await ScriptedSmtpServer.start();
    server.greeting = 'stall';
    const sut = makeEngine(server.port, { greetingTimeoutMs: 1500, probeMinMs: 60_000 });
    const first = await rejection(sut.send(email, 's1'));
    expect(first).toMatchObject({ code: 'timeout', stage: 'greeting' });
    expect(sut.availability.available()).toBe(false);
    const started = Date.now();
    const fast = await rejection(sut.send(email, 's2'));
    expect(Date.now() - started).toBeLessThan(500);
    expect(fast).toMatchObject({ code: 'timeout', retryable: true, stage: 'pool' });
    expect(fast.message).toContain('"primary" is down');
    expect(fast.message).not.toContain('127.0.0.1');
  });

  it('verify() failing marks the relay down; a greeting 421 counts as down too', async () => {
    server = await ScriptedSmtpServer.start();
    server.greeting = { code: 421, message: 'too busy' };
    const sut = makeEngine(server.port, { probeMinMs: 100, probeMaxMs: 200 });
    await expect(sut.verify()).rejects.toMatchObject({ code: 'deferred', stage: 'greeting' });
    expect(sut.availability.available()).toBe(false);
    const woken = new Promise<void>((resolve) => sut.availability.onAvailable(resolve));
    server.greeting = undefined;
    await woken;
    expect(sut.availability.available()).toBe(true);
  });

  it('probes back off: doubling from the minimum up to the cap', async () => {
    server = await ScriptedSmtpServer.start();
    server.greeting = { code: 421, message: 'closed' };
    const sut = makeEngine(server.port, { probeMinMs: 100, probeMaxMs: 400 });
    const probeTimes: number[] = [];
    let seen = 0;
    await rejection(sut.send(email, 'b'));
    // Each connection is a probe; timestamps taken as the count moves (polled every 50 ms).
    await until(
      'five probes',
      () => {
        if (server!.connections > seen) {
          seen = server!.connections;
          probeTimes.push(Date.now());
        }
        return probeTimes.length >= 6;
      },
      15_000,
    );
    const gaps = probeTimes.slice(1).map((t, i) => t - probeTimes[i]);
    // 100, 200, 400, 400, 400 ms (seen through a 50 ms poll): growing, then capped.
    expect(gaps[1]).toBeGreaterThanOrEqual(140);
    expect(gaps[2]).toBeGreaterThanOrEqual(340);
    expect(gaps[3]).toBeGreaterThanOrEqual(340);
    expect(Math.max(...gaps)).toBeLessThan(400 + 1500);
  });

  it('TLS, AUTH or message refusals do not make the relay unavailable', async () => {
    server = await ScriptedSmtpServer.start({ auth: { user: 'u', pass: 'right' } });
    const sut = makeEngine(server.port, { auth: { user: 'u', pass: 'wrong' } });
    await expect(sut.send(email, 'auth')).rejects.toMatchObject({ code: 'auth' });
    expect(sut.up).toBe(false);
    expect(sut.availability.available()).toBe(true);
  });
});
