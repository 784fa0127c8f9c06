import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { engineOptions, type SmtpEngineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { ScriptedSmtpServer, type ScriptedSmtpOptions } from '../support/scripted-smtp-server';
import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { PostfixServer } from '../support/postfix-server';

const email: OutgoingEmail = {
  from: 'noreply@example.com',
  to: ['ann@example.com'],
  subject: 'Hi',
  text: 'Hello',
};
const numbered = (i: number): OutgoingEmail => ({ ...email, text: `body of message ${i}` });

/** A message's end of data and the next envelope arriving in one read: they shared a write. */
const OVERLAP = /\r\n\.\r\nMAIL FROM:/;

function engineFor(port: number, extra: Partial<SmtpEngineOptions> = {}) {
  return new SmtpEngineTransport(
    engineOptions({ host: '127.0.0.1', port, secure: false, ...extra }),
    'overlap',
  );
}

describe('SMTP engine: the next envelope rides with the previous message (RFC 2920 §3.1)', () => {
  let server: ScriptedSmtpServer | undefined;
  let engine: SmtpEngineTransport;

  async function setup(
    opts: ScriptedSmtpOptions = {},
    engineOpts: Partial<SmtpEngineOptions> = {},
  ) {
    server = await ScriptedSmtpServer.start(opts);
    engine = engineFor(server.port, { poolSize: 1, ...engineOpts });
    return engine;
  }

  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
    server = undefined;
  });

  it('queued messages cost one write each: body and next envelope reach the server together', async () => {
    const e = await setup();
    await Promise.all([0, 1, 2, 3, 4].map((i) => e.send(numbered(i), `o${i}`)));
    const reads = server!.chunks[0];
    // Every message but the last carries the next envelope behind its end of data.
    expect(reads.filter((r) => OVERLAP.test(r))).toHaveLength(4);
    expect(reads.join('').match(/^MAIL FROM:/gm)).toHaveLength(5);
    const texts = await Promise.all(
      server!.received.map(async (m) => (await simpleParser(m.raw)).text),
    );
    expect(texts).toEqual([0, 1, 2, 3, 4].map((i) => `body of message ${i}\n`));
    expect(server!.connections).toBe(1);
  });

  it('lock-step sessions are unchanged: one command per write', async () => {
    const e = await setup({ pipelining: false });
    await Promise.all([0, 1, 2].map((i) => e.send(numbered(i), `l${i}`)));
    const reads = server!.chunks[0];
    expect(reads.some((r) => OVERLAP.test(r))).toBe(false);
    expect(server!.received).toHaveLength(3);
  });

  it('a 554 for the first message does not touch the overlapped second one (no RSET)', async () => {
    const e = await setup();
    server!.dataFaults.push({ code: 554, message: 'content refused' });
    const [first, second] = await Promise.allSettled([
      e.send(numbered(1), 'r1'),
      e.send(numbered(2), 'r2'),
    ]);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: { code: 'rejected', smtpCode: 554, retryable: false },
    });
    expect(second.status).toBe('fulfilled');
    const wire = server!.chunks[0].join('');
    expect(OVERLAP.test(wire)).toBe(true);
    // The end of data ended the refused transaction; an RSET here would hit the second one.
    expect(wire).not.toContain('RSET');
    expect(server!.received).toHaveLength(1);
    expect((await simpleParser(server!.received[0].raw)).text).toBe('body of message 2\n');
    expect(e.stats).toMatchObject({ sent: 1, failed: 1, possibleDuplicates: 0, busy: 0 });
  });

  it('a 421 for the first message: the second fails before its body, as a retryable connection error', async () => {
    const e = await setup();
    server!.dataFaults.push({ code: 421, message: 'closing' });
    const [first, second] = await Promise.allSettled([
      e.send(numbered(1), 'g1'),
      e.send(numbered(2), 'g2'),
    ]);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: { code: 'deferred', smtpCode: 421 },
    });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: 'connection', retryable: true, possibleDuplicate: false, stage: 'mail' },
    });
    expect(e.stats.possibleDuplicates).toBe(0);
    await e.send(numbered(2), 'g2');
    expect(server!.connections).toBe(2);
    expect(server!.received).toHaveLength(1);
  });

  it('a connection dropped after the first body: that one is a possible duplicate, the second is not', async () => {
    const e = await setup();
    server!.dataFaults.push('drop');
    const [first, second] = await Promise.allSettled([
      e.send(numbered(1), 'd1'),
      e.send(numbered(2), 'd2'),
    ]);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: { code: 'connection', possibleDuplicate: true },
    });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: 'connection', possibleDuplicate: false, retryable: true },
    });
    expect(OVERLAP.test(server!.chunks[0].join(''))).toBe(true);
    expect(e.stats).toMatchObject({ possibleDuplicates: 1, failed: 2, busy: 0, queued: 0 });
  });

  it('the overlapped envelope refused: RSET only after every reply, then the next message', async () => {
    const e = await setup();
    server!.onRcpt = (to) =>
      to.startsWith('reject') ? { code: 550, message: 'no such user' } : undefined;
    const results = await Promise.allSettled([
      e.send(numbered(1), 'v1'),
      e.send({ ...numbered(2), to: ['reject-me@example.com'] }, 'v2'),
      e.send(numbered(3), 'v3'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const wire = server!.chunks[0].join('');
    // Order on the wire: message 1, envelope 2 (refused), RSET, envelope 3.
    const at = (s: string) => wire.indexOf(s);
    expect(at('RCPT TO:<reject-me@example.com>')).toBeGreaterThan(at('body of message 1'));
    expect(at('RSET')).toBeGreaterThan(at('RCPT TO:<reject-me@example.com>'));
    expect(wire.lastIndexOf('MAIL FROM:')).toBeGreaterThan(at('RSET'));
    const texts = await Promise.all(
      server!.received.map(async (m) => (await simpleParser(m.raw)).text),
    );
    expect(texts).toEqual(['body of message 1\n', 'body of message 3\n']);
    expect(server!.connections).toBe(1);
  });

  it('the watchdog with an overlapped send: the server stalls after both, both settle in time', async () => {
    const e = await setup({}, { attemptTimeoutMs: 400, dataTimeoutMs: 60_000 });
    server!.dataFaults.push('stall');
    const started = Date.now();
    const [first, second] = await Promise.allSettled([
      e.send(numbered(1), 'w1'),
      e.send(numbered(2), 'w2'),
    ]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: { code: 'timeout', possibleDuplicate: true },
    });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: 'timeout', possibleDuplicate: false, retryable: true },
    });
    expect(OVERLAP.test(server!.chunks[0].join(''))).toBe(true);
    server!.release();
    await e.send(email, 'after');
    expect(e.stats).toMatchObject({ possibleDuplicates: 1, sent: 1, failed: 2, busy: 0 });
  });

  it('maxMessagesPerConnection counts overlapped messages; QUIT comes after the last reply', async () => {
    const e = await setup({}, { maxMessagesPerConnection: 3 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => e.send(numbered(i), `x${i}`)));
    await server!.waitFor(7);
    expect(server!.connections).toBe(3);
    const wires = () => server!.chunks.map((reads) => reads.join(''));
    const deadline = Date.now() + 5000;
    while (!wires()[1].endsWith('QUIT\r\n') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(wires().map((w) => w.match(/^MAIL FROM:/gm)!.length)).toEqual([3, 3, 1]);
    // The full ones: QUIT only after the third message's end of data was answered.
    for (const wire of wires().slice(0, 2)) expect(wire).toMatch(/\r\n\.\r\nQUIT\r\n$/);
    expect(server!.chunks.some((reads) => reads.some((r) => OVERLAP.test(r)))).toBe(true);
  });

  it('close() waits for the message in flight and the one overlapped behind it, then QUITs', async () => {
    const e = await setup();
    await e.send(email, 'warm');
    server!.dataFaults.push('stall');
    const sends = [e.send(numbered(1), 'c1'), e.send(numbered(2), 'c2')];
    const deadline = Date.now() + 5000;
    while (!OVERLAP.test(server!.chunks[0].join('')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const closed = e.close(5000);
    setTimeout(() => server!.release(), 100);
    await expect(Promise.all(sends)).resolves.toHaveLength(2);
    await closed;
    const until = Date.now() + 2000;
    while (!server!.chunks[0].join('').endsWith('QUIT\r\n') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(server!.chunks[0].join('')).toMatch(/body of message 2\r\n\.\r\nQUIT\r\n$/);
    // The stalled message is answered 250 but not recorded by the scripted server.
    expect(server!.received).toHaveLength(2);
  });
});

/**
 * Sends `count` numbered messages at once; the client's socket writes show they overlapped:
 * about one per message (two per message without overlap, plus the session's own).
 */
async function burst(engine: SmtpEngineTransport, count: number, tag: string) {
  const writes = jest.spyOn(Socket.prototype, 'write');
  try {
    const receipts = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        engine.send({ ...email, text: `${tag} message ${i}\n.leading dot` }, `${tag}-${i}`),
      ),
    );
    expect(receipts).toHaveLength(count);
    expect(writes.mock.calls.length).toBeGreaterThanOrEqual(count);
    expect(writes.mock.calls.length).toBeLessThan(count * 1.2);
  } finally {
    writes.mockRestore();
  }
}

async function checkExactlyOnce(raws: Buffer[], count: number, tag: string) {
  const parsed = await Promise.all(raws.map((raw) => simpleParser(raw)));
  const byId = new Map<string, string>();
  for (const p of parsed) {
    const id = p.messageId ?? '';
    expect(byId.has(id)).toBe(false);
    byId.set(id, p.text ?? '');
  }
  expect(byId.size).toBe(count);
  for (let i = 0; i < count; i++) {
    expect(byId.get(`<${tag}-${i}@example.com>`)).toBe(`${tag} message ${i}\n.leading dot\n`);
  }
}

describe('overlapped transactions against real MTAs', () => {
  let engine: SmtpEngineTransport | undefined;
  afterEach(async () => {
    await engine?.close(500);
    engine = undefined;
  });

  it('Postfix, strict about pipelining: 200 messages over 2 connections, each exactly once', async () => {
    const postfix = await PostfixServer.start({
      // Drop clients that pipeline where RFC 2920 does not allow it (default from Postfix 3.9).
      mainCf: ['smtpd_forbid_unauth_pipelining = yes'],
    });
    try {
      engine = engineFor(postfix.port, {
        starttls: 'never',
        poolSize: 2,
        maxMessagesPerConnection: 1000,
      });
      await burst(engine, 200, 'pf');
      const stored = await postfix.waitForStored(200, 60_000);
      await checkExactlyOnce(
        stored.map((m) => m.raw),
        200,
        'pf',
      );
      const log = readFileSync(join(postfix.dir, 'maillog'), 'utf8');
      expect(log).not.toMatch(/improper command pipelining/);
      expect(log.match(/ connect from /g)).toHaveLength(2);
    } finally {
      await engine?.close(500);
      await postfix.stop();
    }
  }, 120_000);

  it('aiosmtpd (announcing PIPELINING): 200 messages over 2 connections, each exactly once', async () => {
    const server = await AiosmtpdServer.start({ pipelining: true });
    try {
      engine = engineFor(server.port, { poolSize: 2, maxMessagesPerConnection: 1000 });
      await burst(engine, 200, 'ai');
      await checkExactlyOnce(
        server.received().map((m) => m.raw),
        200,
        'ai',
      );
      expect(engine.stats).toMatchObject({ connects: 2, failed: 0 });
    } finally {
      await engine?.close(500);
      await server.stop();
    }
  }, 60_000);
});
