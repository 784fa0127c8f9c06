import { simpleParser } from 'mailparser';
import { engineOptions } from '../../src/mail/transport/smtp/smtp-options';
import { SmtpEngineTransport } from '../../src/mail/transport/smtp/smtp-engine';
import type { OutgoingEmail } from '../../src/mail/transport/mail-transport';
import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { PostfixServer } from '../support/postfix-server';

// Issue 20: 100 KB bodies go out 8bit when the relay offers 8BITMIME, quoted-printable when it
// does not or a line is too long; a real MTA must hand back exactly the text and html sent.
const words = ['delivery', 'relay', '.queue', 'message', 'café', 'naïve', 'price 5 €', '😀 retry'];
function largeText(): string {
  let out = '';
  let line = '';
  for (let i = 0; out.length < 100_000; i++) {
    line += (line ? ' ' : '') + words[(i * 7) % words.length];
    if (line.length > 70) {
      out += `${line}\n`;
      line = i % 5 === 0 ? '.' : ''; // some lines start with a dot: dot-stuffing
    }
  }
  return out;
}
function largeHtml(lineLength: number): string {
  let out = '<!DOCTYPE html><html><body>\n';
  for (let row = 0; out.length < 100_000; row++) {
    let line = '';
    while (line.length < lineLength) line += `<td>Zürich ${row}</td><td>12,50 €</td>`;
    out += `<tr>${line}</tr>\n`;
  }
  return `${out}</body></html>\n`;
}
const text = largeText();
const html = largeHtml(600);
const longLineHtml = largeHtml(3000);
const from = 'Mailwatch <noreply@example.com>';
const messages: Array<[string, OutgoingEmail]> = [
  ['text', { from, to: ['ann@example.com'], subject: 'large text', text }],
  ['html', { from, to: ['ann@example.com'], subject: 'large html', html }],
  ['both', { from, to: ['ann@example.com'], subject: 'Größe', text, html: longLineHtml }],
];

async function expectIntact(raw: Buffer, sent: OutgoingEmail): Promise<void> {
  const parsed = await simpleParser(raw);
  expect(parsed.subject).toBe(sent.subject);
  if (sent.text !== undefined) expect(parsed.text).toBe(sent.text);
  if (sent.html !== undefined) expect(parsed.html).toBe(sent.html);
}

/** Content-Transfer-Encoding of each text/* part, in order. */
function encodings(raw: Buffer): string[] {
  return [...raw.toString('latin1').matchAll(/^Content-Transfer-Encoding: (\S+)/gim)].map((m) =>
    m[1].toLowerCase(),
  );
}

function engineFor(port: number) {
  return new SmtpEngineTransport(
    engineOptions({ host: '127.0.0.1', port, secure: false, starttls: 'never' }),
    'peer',
  );
}

describe('100 KB messages through aiosmtpd', () => {
  let server: AiosmtpdServer;
  let engine: SmtpEngineTransport;
  afterEach(async () => {
    await engine?.close(500);
    await server?.stop();
  });

  it('with 8BITMIME: 8bit where lines fit, quoted-printable for the long-line html', async () => {
    server = await AiosmtpdServer.start();
    engine = engineFor(server.port);
    for (const [id, email] of messages) await engine.send(email, `8-${id}`);
    const received = server.received();
    expect(received.map((m) => encodings(m.raw))).toEqual([
      ['8bit'],
      ['8bit'],
      ['8bit', 'quoted-printable'],
    ]);
    for (const m of received) expect(m.options).toContain('BODY=8BITMIME');
    for (const [i, m] of received.entries()) await expectIntact(m.raw, messages[i][1]);
    // RFC 5322 §2.1.1 on the wire: no line over 998 octets.
    for (const m of received)
      expect(
        Math.max(
          ...m.raw
            .toString('latin1')
            .split('\r\n')
            .map((l) => l.length),
        ),
      ).toBeLessThanOrEqual(998);
  });

  it('without 8BITMIME: the 8-bit parts go quoted-printable, nothing is refused', async () => {
    server = await AiosmtpdServer.start({ eightBitMime: false });
    engine = engineFor(server.port);
    for (const [id, email] of messages) await engine.send(email, `7-${id}`);
    const received = server.received();
    expect(received.map((m) => encodings(m.raw))).toEqual([
      ['quoted-printable'],
      ['quoted-printable'],
      ['quoted-printable', 'quoted-printable'],
    ]);
    for (const m of received) expect(m.options).not.toContain('BODY=8BITMIME');
    for (const [i, m] of received.entries()) await expectIntact(m.raw, messages[i][1]);
  });
});

describe('100 KB messages through a private Postfix', () => {
  let eight: PostfixServer;
  let seven: PostfixServer;
  let engine: SmtpEngineTransport;
  beforeAll(async () => {
    [eight, seven] = await Promise.all([
      PostfixServer.start(),
      PostfixServer.start({ mainCf: ['smtpd_discard_ehlo_keywords = 8bitmime'] }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await eight?.stop();
    await seven?.stop();
  });
  afterEach(() => engine?.close(500));

  it.each([
    ['offering 8BITMIME', () => eight, 'pf8', '8bit'],
    ['not offering 8BITMIME', () => seven, 'pf7', 'quoted-printable'],
  ])('%s: the stored messages parse to the exact text and html', async (_, postfix, tag, cte) => {
    engine = engineFor(postfix().port);
    const before = postfix().stored().length;
    for (const [id, email] of messages) await engine.send(email, `${tag}-${id}`);
    const stored = await postfix().waitForStored(before + messages.length);
    for (const [id, email] of messages) {
      const raw = stored.find((m) => m.raw.toString('latin1').includes(`${tag}-${id}`))!.raw;
      expect(encodings(raw)[0]).toBe(cte);
      await expectIntact(raw, email);
    }
  });
});
