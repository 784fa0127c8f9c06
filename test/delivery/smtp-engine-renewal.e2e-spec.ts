import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { PostfixServer } from '../support/postfix-server';
import { ScriptedSmtpServer } from '../support/scripted-smtp-server';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine with one relay on `port`: `poolSize` connections of `cap` messages each. */
function engineFor(
  port: number,
  poolSize: number,
  cap: number,
  extra: Partial<SmtpEngineOptions> = {},
) {
  const host = { host: '127.0.0.1', port, secure: false };
  const options = { ...host, poolSize, maxMessagesPerConnection: cap, ...extra };
  return new SmtpEngineTransport(engineOptions(options), 'renewal');
}

// smtp-server greets 100 ms after the connect by itself (it watches for early talkers), plus
// the delay set here: a relay that greets slowly, as Postfix's postscreen or TLS and AUTH
// over a WAN do. Renewing a connection at its message cap must not make sends wait for it.
describe('SMTP engine: a connection at its message cap is renewed ahead', () => {
  let server: ScriptedSmtpServer;
  let engine: SmtpEngineTransport;

  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
  });

  it('the successor is ready before the cap: no send waits for a greeting after the first', async () => {
    server = await ScriptedSmtpServer.start();
    server.greetingDelayMs = 400;
    engine = engineFor(server.port, 1, 20);
    await engine.send(email, 'first');
    const took: number[] = [];
    for (let i = 0; i < 60; i++) {
      const started = performance.now();
      await engine.send(email, `r${i}`);
      took.push(performance.now() - started);
      await pause(40);
    }
    await server.waitFor(61);
    // A send that waited for a new connection would take the greeting's ≥ 500 ms.
    expect(Math.max(...took)).toBeLessThan(250);
    expect(engine.stats.renewals).toBeGreaterThanOrEqual(3);
    expect(server.connections).toBeGreaterThanOrEqual(4);
    // One connection more than the pool at most: the retiring one, finishing.
    expect(server.peakConnections).toBeLessThanOrEqual(2);
    const perConnection = server.chunks.map(
      (reads) => reads.join('').match(/^MAIL FROM:/gm)?.length ?? 0,
    );
    expect(Math.max(...perConnection)).toBeLessThanOrEqual(20);
    expect(perConnection.reduce((a, b) => a + b, 0)).toBe(61);
  }, 30_000);

  it('a relay that caps connections refuses the successor: nothing fails, the relay is not down', async () => {
    // smtp-server's own limit: the connection over it is greeted with 421.
    server = await ScriptedSmtpServer.start({ maxClients: 1 });
    engine = engineFor(server.port, 1, 5);
    const health: boolean[] = [];
    engine.onHealth = (up) => health.push(up);
    for (let i = 0; i < 20; i++) {
      await engine.send(email, `c${i}`);
      await pause(20);
    }
    await server.waitFor(20);
    expect(engine.stats).toMatchObject({ sent: 20, failed: 0 });
    // The one renewal tried ahead was refused; then renewal waits for the cap, as before.
    expect(engine.stats.renewals).toBe(1);
    expect(engine.stats.connectFailures).toBe(1);
    expect(health).not.toContain(false);
    expect(engine.up).toBe(true);
    expect(engine.relays()[0].available).toBe(true);
  }, 30_000);

  it('connections cut mid-renewal: every send settles, the pool stays bounded, its books balance', async () => {
    server = await ScriptedSmtpServer.start();
    engine = engineFor(server.port, 3, 4);
    let peak = 0;
    const sampler = setInterval(() => {
      const { open, opening } = engine.stats;
      peak = Math.max(peak, open + opening);
    }, 2);
    const sends: Array<Promise<unknown>> = [];
    for (let wave = 0; wave < 16; wave++) {
      for (let i = 0; i < 15; i++) sends.push(engine.send(email, `w${wave}-${i}`));
      await pause(100);
      if (wave % 4 === 3) server.dropAll();
    }
    const settled = await Promise.allSettled(sends);
    clearInterval(sampler);
    expect(settled).toHaveLength(240);
    const renewedUnderChaos = engine.stats.renewals;
    // Each connection has at most one successor: never more than twice the pool.
    expect(peak).toBeLessThanOrEqual(6);
    // Delivery goes on afterwards, and once quiet no connection is left counted as leaving.
    for (let i = 0; i < 10; i++) await engine.send(email, `after${i}`);
    const deadline = Date.now() + 5000;
    while (engine.stats.retiring > 0 && Date.now() < deadline) await pause(20);
    expect(engine.stats.retiring).toBe(0);
    expect(engine.stats.busy).toBe(0);
    expect(renewedUnderChaos).toBeGreaterThan(0);
  }, 30_000);
});

describe('SMTP engine renewal against Postfix capping connections per client', () => {
  it('the successor over the limit is refused with 421: every message delivered once, relay never down', async () => {
    // anvil's limit; loopback is in mynetworks, exempt by default, so the exemption is emptied.
    const postfix = await PostfixServer.start({
      mainCf: ['smtpd_client_connection_count_limit = 2', 'smtpd_client_event_limit_exceptions ='],
    });
    const engine = engineFor(postfix.port, 2, 10, { starttls: 'never' });
    try {
      const health: boolean[] = [];
      engine.onHealth = (up) => health.push(up);
      for (let wave = 0; wave < 15; wave++) {
        await Promise.all([0, 1, 2, 3].map((i) => engine.send(email, `pf${wave}-${i}`)));
        await pause(20);
      }
      const stored = await postfix.waitForStored(60, 60_000);
      const ids = stored.map((m) => /^X-Mailwatch-Id: (.+)$/m.exec(m.raw.toString())?.[1]);
      expect(new Set(ids).size).toBe(60);
      expect(engine.stats).toMatchObject({ sent: 60, failed: 0 });
      // Some successors were refused (those asked for while both connections were open; one
      // asked for while the other was between renewals may get in): no other connect failed.
      const { renewals, connectFailures } = engine.stats;
      expect(connectFailures).toBeGreaterThanOrEqual(1);
      expect(connectFailures).toBeLessThanOrEqual(renewals);
      expect(readFileSync(join(postfix.dir, 'maillog'), 'utf8')).toMatch(
        /Connection concurrency limit exceeded/,
      );
      expect(health).not.toContain(false);
      expect(engine.relays()[0].available).toBe(true);
    } finally {
      await engine.close(500);
      await postfix.stop();
    }
  }, 120_000);
});
