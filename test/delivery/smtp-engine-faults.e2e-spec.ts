import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import { SmtpDeliveryError } from '../../src/mail/transport/smtp/smtp-error';
import { rejection } from '../support/smtp-rejection';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { ScriptedSmtpServer, type ScriptedSmtpOptions } from '../support/scripted-smtp-server';
import { freePort } from '../support/smtp-server';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};

describe('SMTP engine: faults, timeouts and recovery', () => {
  let server: ScriptedSmtpServer | undefined;
  let engine: SmtpEngineTransport;

  function makeEngine(port: number, opts: Partial<SmtpEngineOptions> = {}) {
    engine = new SmtpEngineTransport(
      engineOptions({ host: '127.0.0.1', port, secure: false, ...opts }),
      'test',
    );
    return engine;
  }

  async function setup(
    opts: ScriptedSmtpOptions = {},
    engineOpts: Partial<SmtpEngineOptions> = {},
  ) {
    server = await ScriptedSmtpServer.start(opts);
    return makeEngine(server.port, engineOpts);
  }

  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
    server = undefined;
  });

  it.each([
    [421, 'deferred', true],
    [554, 'protocol', true],
  ] as const)('greeting %i is classified', async (code, kind, retryable) => {
    const e = await setup();
    server!.greeting = { code, message: 'go away' };
    const err = await rejection(e.send(email, 'g'));
    expect(err).toMatchObject({ code: kind, retryable, stage: 'greeting' });
    expect(e.up).toBe(false);
  });

  it('a withheld greeting times out within the greeting timeout', async () => {
    const e = await setup({}, { greetingTimeoutMs: 300 });
    server!.greeting = 'stall';
    const started = Date.now();
    const err = await rejection(e.send(email, 'gs'));
    expect(err).toMatchObject({ code: 'timeout', stage: 'greeting' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a reply that never comes after DATA times out and is counted as a possible duplicate', async () => {
    const e = await setup({}, { dataTimeoutMs: 300 });
    server!.dataFaults.push('stall');
    const err = await rejection(e.send(email, 'ds'));
    expect(err).toMatchObject({ code: 'timeout', possibleDuplicate: true, retryable: true });
    expect(e.stats.possibleDuplicates).toBe(1);
    await e.send(email, 'after');
    await server!.waitFor(1);
  });

  it('a connection dropped after DATA: retried, delivered, duplicate risk counted', async () => {
    const e = await setup();
    server!.dataFaults.push('drop');
    const err = await rejection(e.send(email, 'dd'));
    expect(err).toMatchObject({ code: 'connection', possibleDuplicate: true, retryable: true });
    expect(err.message).toMatch(/possible duplicate/);
    const receipt = await e.send(email, 'dd');
    // Same Message-ID on every attempt: a receiver can drop the duplicate.
    expect(receipt.messageId).toBe('<dd@example.com>');
    expect(e.stats).toMatchObject({ possibleDuplicates: 1, sent: 1, failed: 1 });
    expect(server!.connections).toBe(2);
  });

  it('the attempt watchdog settles every send within its bound, whatever hangs', async () => {
    const e = await setup({}, { attemptTimeoutMs: 400, dataTimeoutMs: 60_000, poolSize: 1 });
    for (let i = 0; i < 3; i++) server!.dataFaults.push('stall');
    const started = Date.now();
    const results = await Promise.allSettled([0, 1, 2].map((i) => e.send(email, `w${i}`)));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as SmtpDeliveryError).code === 'timeout',
      ),
    ).toBe(true);
    server!.dataFaults.length = 0;
    server!.release();
    await e.send(email, 'after');
  });

  it('a server 421 mid-session defers the message; the next one uses a new connection', async () => {
    const e = await setup();
    server!.onMail = () => ({ code: 421, message: 'shutting down' });
    const err = await rejection(e.send(email, 's'));
    expect(err).toMatchObject({ code: 'deferred', smtpCode: 421, retryable: true });
    server!.onMail = undefined;
    await e.send(email, 's2');
    expect(server!.connections).toBe(2);
  });

  it('replaces a connection after maxMessagesPerConnection, saying QUIT', async () => {
    const e = await setup({}, { maxMessagesPerConnection: 3, poolSize: 1 });
    for (let i = 0; i < 7; i++) await e.send(email, `m${i}`);
    await server!.waitFor(7);
    expect(server!.connections).toBe(3);
    expect(server!.chunks[0].join('')).toMatch(/QUIT\r\n$/);
  });

  it('says QUIT on close', async () => {
    const e = await setup();
    await e.send(email, 'q');
    await e.close();
    expect(server!.chunks[0].join('')).toMatch(/QUIT\r\n$/);
    await expect(e.send(email, 'late')).rejects.toMatchObject({ code: 'connection' });
  });

  it('moves a send off a connection the server closed while idle (nothing was sent)', async () => {
    const e = await setup();
    await e.send(email, 'i1');
    server!.dropAll();
    await e.send(email, 'i2');
    await server!.waitFor(2);
    expect(server!.connections).toBe(2);
    expect(e.stats.failed).toBe(0);
  });

  it('an idle connection the server times out with 421 is replaced, not reused', async () => {
    const e = await setup({ socketTimeoutMs: 200 }, { idleTimeoutMs: 60_000 });
    await e.send(email, 't1');
    // Wait for the event itself: the pool notices the server's goodbye and drops the connection.
    const deadline = Date.now() + 5000;
    while (e.stats.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(e.stats.open).toBe(0);
    await e.send(email, 't2');
    expect(server!.connections).toBe(2);
    expect(e.stats.failed).toBe(0);
  });

  it.each([true, false])(
    'a command that is never answered times out (pipelining %s)',
    async (pipelining) => {
      const e = await setup({ pipelining }, { commandTimeoutMs: 300 });
      server!.onMail = () => 'stall';
      const err = await rejection(e.send(email, 'ct'));
      expect(err).toMatchObject({ code: 'timeout', stage: 'mail', possibleDuplicate: false });
      server!.onMail = undefined;
      await e.send(email, 'ct2');
      expect(server!.connections).toBe(2);
    },
  );

  it('recovers by itself after an outage longer than the pool and the retry budget', async () => {
    const port = await freePort();
    const e = makeEngine(port, { poolSize: 2 });
    // 8 emails x 3 attempts against a closed port: 24 failed connects, 12 times the pool size.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const err = await rejection(e.send(email, `o${i}`));
          expect(err).toMatchObject({ code: 'connection', retryable: true });
        }
        return 'failed';
      }),
    );
    expect(outcomes).toHaveLength(8);
    expect(e.up).toBe(false);
    expect(e.stats).toMatchObject({ open: 0, opening: 0, busy: 0, queued: 0 });
    server = await ScriptedSmtpServer.start({ port });
    await Promise.all(Array.from({ length: 8 }, (_, i) => e.send(email, `back${i}`)));
    expect(e.up).toBe(true);
    await server.waitFor(8);
  });

  it('a relay crash under load: every send settles, then delivery resumes', async () => {
    const e = await setup({}, { poolSize: 4 });
    const port = server!.port;
    const sends = Array.from({ length: 200 }, (_, i) => e.send(email, `c${i}`));
    await server!.waitFor(20);
    await server!.stop();
    const settled = await Promise.allSettled(sends);
    const failed = settled
      .filter((r) => r.status === 'rejected')
      .map((r) => r.reason as SmtpDeliveryError);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((f) => f.retryable)).toBe(true);
    expect(e.stats).toMatchObject({ busy: 0, queued: 0 });
    server = await ScriptedSmtpServer.start({ port });
    await e.send(email, 'resumed');
    await server.waitFor(1);
  });

  it('the health probe follows the relay while no mail flows', async () => {
    const e = await setup();
    const port = server!.port;
    const seen: boolean[] = [];
    e.onHealth = (up) => seen.push(up);
    e.startHealthProbe(100);
    const until = async (want: boolean) => {
      const deadline = Date.now() + 5000;
      while (e.up !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(e.up).toBe(want);
    };
    await until(true);
    await server!.stop();
    await until(false);
    server = await ScriptedSmtpServer.start({ port });
    await until(true);
    expect(seen).toEqual([true, false, true]);
  });

  it('verify() succeeds against a live relay and fails, classified, against a closed port', async () => {
    const e = await setup();
    await expect(e.verify()).resolves.toBeUndefined();
    const closed = makeEngine(await freePort());
    await expect(closed.verify()).rejects.toMatchObject({ code: 'connection' });
    await closed.close();
    engine = e;
  });
});
