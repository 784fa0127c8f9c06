import fc from 'fast-check';
import { buildMessage, envelopeOf, isPlain } from './message-builder';
import { lineEndsIfFit } from './body-encoding';
import { toWire, wireOctets, wireParts } from './wire-text';
import * as singlePart from './single-part';

const base = { from: 'A <a@example.com>', to: ['b@example.com'], subject: 'S', text: 'T' };

describe('message builder', () => {
  it('dot-stuffs, normalises line ends and terminates', () => {
    expect(toWire('.a\nb\r.c\r\n..d')).toBe('..a\r\nb\r\n..c\r\n...d\r\n.\r\n');
    expect(toWire('')).toBe('\r\n.\r\n');
    expect(toWire('x\r\n')).toBe('x\r\n.\r\n');
  });

  it('any text survives the wire: CRLF only, dot-stuffed, and un-stuffing gives it back', () => {
    const char = fc.constantFrom('a', '.', ' ', '\r', '\n', 'z');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 60 }), (chars) => {
        const text = chars.join('');
        const wire = toWire(text);
        expect(wire.endsWith('\r\n.\r\n') || wire === '\r\n.\r\n').toBe(true);
        expect(wire.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
        const lines = wire.slice(0, -3).split('\r\n').slice(0, -1);
        expect(lines.every((l) => !l.startsWith('.') || l.startsWith('..'))).toBe(true);
        const back = lines.map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\n');
        expect(back).toBe(text.replace(/\r\n|\r/g, '\n').replace(/\n$/, ''));
      }),
      { numRuns: 500 },
    );
  });

  it('LF-only text takes a shortcut with the bytes of the one-regex pass', () => {
    const reference = (message: string) => {
      let body = message.replace(/(?:\r\n|\r|\n)(\.?)/g, '\r\n$1$1');
      if (body.charCodeAt(0) === 0x2e) body = `.${body}`;
      if (!body.endsWith('\r\n')) body += '\r\n';
      return `${body}.\r\n`;
    };
    const char = fc.constantFrom('a', '.', ' ', '\n', 'é', '\r');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 80 }), (chars) => {
        const text = chars.join('');
        expect(toWire(text)).toBe(reference(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('a head and a body converted apart give the octets of the whole', () => {
    const char = fc.constantFrom('a', '.', '\n', 'é', '\r');
    const text = fc.array(char, { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, text, (head, body) => {
        const whole = head === '' ? '' : `${head}\r\n`;
        expect(wireParts(whole, body).toString('latin1')).toBe(toWire(whole + body));
      }),
      { numRuns: 1000 },
    );
  });

  it('a body written from its octets line by line gives the octets of the latin1 text', () => {
    const piece = fc.constantFrom('a', '.', '..', '\n', '\n.', 'é', '€', ' ', 'x'.repeat(70));
    const text = fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(fc.constantFrom('', 'H: v\r\n\r\n', '.\r\n'), text, (head, body) => {
        const octets = Buffer.from(body, 'utf8');
        const ends = lineEndsIfFit(octets);
        expect(ends).toBeDefined();
        expect(wireOctets(head, octets, ends!).toString('latin1')).toBe(
          wireParts(head, octets.toString('latin1')).toString('latin1'),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['plain ASCII text', {}, true],
    ['html', { html: '<p>x</p>' }, false],
    [
      'attachment',
      {
        attachments: [
          {
            filename: 'a',
            contentType: 'text/plain',
            content: 'eA==',
            encoding: 'base64' as const,
          },
        ],
      },
      false,
    ],
    ['non-ASCII text', { text: 'é' }, false],
    ['non-ASCII subject', { subject: 'é' }, false],
    ['a line over 998 octets', { text: 'x'.repeat(999) }, false],
    ['a line of 998 octets', { text: 'x'.repeat(998) }, true],
    ['a display name needing quotes', { from: 'A. B <a@example.com>' }, false],
    ['a quoted display name', { from: '"Doe, J." <a@example.com>' }, true],
  ])('%s', (_n, patch, plain) => {
    expect(isPlain({ ...base, ...patch })).toBe(plain);
  });

  it('builds the envelope: bare addresses, Bcc included, duplicates once, IDN as punycode', () => {
    expect(envelopeOf({ ...base, cc: ['B@x.org', 'b@example.com'], bcc: ['c@bücher.de'] })).toEqual(
      {
        from: 'a@example.com',
        to: ['b@example.com', 'B@x.org', 'c@xn--bcher-kva.de'],
        smtpUtf8: false,
      },
    );
    expect(envelopeOf({ ...base, to: ['jörg@example.com'] }).smtpUtf8).toBe(true);
  });

  it('plain messages carry the id header and a Message-ID stable across attempts', async () => {
    const one = await buildMessage(base, 'abc-1', 'X-Mailwatch-Id');
    const two = await buildMessage(base, 'abc-1', 'X-Mailwatch-Id');
    expect(one.path).toBe('plain');
    expect(one.messageId).toBe('<abc-1@example.com>');
    expect(two.messageId).toBe(one.messageId);
    expect(one.payload).toContain('\r\nX-Mailwatch-Id: abc-1\r\n\r\nT\r\n.\r\n');
  });

  it('an id that is not header-safe never reaches a header', async () => {
    const built = await buildMessage(base, 'x\r\nBcc: evil@example.com', 'X-Mailwatch-Id');
    expect(String(built.payload)).not.toContain('evil');
  });
});

describe('message builder: transfer encodings (issue 20)', () => {
  const text = 'café\n'.repeat(10);
  const html = `<p>${'Zürich '.repeat(100)}</p>\n`;
  const head = (payload: string | Buffer) =>
    [...payload.toString().matchAll(/^Content-Transfer-Encoding: (\S+)/gim)].map((m) => m[1]);

  it('8-bit text and html with short lines go 8bit when the relay offers 8BITMIME', async () => {
    const built = await buildMessage({ ...base, text, html }, 'e1', 'X-Id', true);
    expect(head(built.payload)).toEqual(['8bit', '8bit']);
    expect(built).toMatchObject({ eightBit: true, chose8bit: true });
    // The body is on the wire as it is, CRLF line ends.
    expect(built.payload.toString('utf8')).toContain(text.replace(/\n/g, '\r\n'));
  });

  it('the same message goes quoted-printable, 7-bit clean, without 8BITMIME', async () => {
    const built = await buildMessage({ ...base, text, html }, 'e2', 'X-Id', false);
    expect(head(built.payload)).toEqual(['quoted-printable', 'quoted-printable']);
    expect(built).toMatchObject({ eightBit: false, chose8bit: false });
  });

  it('ASCII html with lines over 76 goes 7bit, not quoted-printable', async () => {
    const built = await buildMessage(
      { ...base, text: undefined, html: `<p>${'x'.repeat(900)}</p>` },
      'e3',
      'X-Id',
      false,
    );
    expect(head(built.payload)).toEqual(['7bit']);
    expect(built.eightBit).toBe(false);
  });

  it('a line over 998 octets keeps quoted-printable; attachments keep their encoding', async () => {
    const built = await buildMessage(
      {
        ...base,
        text: `é${'x'.repeat(1000)}`,
        attachments: [
          { filename: 'a.txt', contentType: 'text/plain', content: 'eA==', encoding: 'base64' },
        ],
      },
      'e4',
      'X-Id',
      true,
    );
    expect(head(built.payload)).toEqual(['quoted-printable', 'base64']);
    expect(built.chose8bit).toBe(false);
  });
});

describe('message builder: a large single part goes out through a stand-in (issue 20)', () => {
  const withoutDate = (payload: string | Buffer) =>
    payload.toString('latin1').replace(/^Date: .*\r\n/m, '');
  const bodies = [
    ['ASCII text', { text: 'plain words\n'.repeat(2000) }],
    ['8-bit text', { text: 'price 5 € café\n'.repeat(1500) }],
    ['8-bit text, lines starting with dots', { text: '.price 5 €\n..café\n'.repeat(800) }],
    [
      '8-bit html',
      { text: undefined, html: `<p>${'Zürich 12,50 € '.repeat(40)}</p>\n`.repeat(200) },
    ],
    ['ASCII html', { text: undefined, html: `<p>${'x'.repeat(600)}</p>\n`.repeat(200) }],
  ] as const;

  it.each(bodies)('%s: the same bytes as the tree built from the body itself', async (_, body) => {
    for (const eightBitMime of [true, false]) {
      const email = { ...base, ...body };
      const fast = await buildMessage(email, 'e5', 'X-Id', eightBitMime);
      const noStandIn = jest.spyOn(singlePart, 'standInFor').mockReturnValue(undefined);
      const slow = await buildMessage({ ...email }, 'e5', 'X-Id', eightBitMime);
      noStandIn.mockRestore();
      expect(withoutDate(fast.payload)).toBe(withoutDate(slow.payload));
      expect([fast.eightBit, fast.chose8bit]).toEqual([slow.eightBit, slow.chose8bit]);
    }
  });
});
