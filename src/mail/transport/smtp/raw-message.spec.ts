import { buildMessage, type BuiltMessage } from './message-builder';
import type { OutgoingEmail } from '../mail-transport';

const ID = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';
const rawEmail = (message: string, extra: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  from: 'tool@example.com',
  to: ['a@example.org', 'b@example.org'],
  subject: '',
  raw: Buffer.from(message, 'utf8').toString('base64'),
  ...extra,
});
const wire = (built: BuiltMessage) => Buffer.from(built.payload).toString('latin1');

/** The `raw` branch of buildMessage (SMTP submission, src/ingress): bytes as submitted. */
describe('buildMessage with a raw message', () => {
  it('sends the submitted bytes after one prepended id header, keeping its Message-ID', () => {
    const message =
      'DKIM-Signature: v=1; d=example.com; h=from:subject\r\nMessage-ID: <m1@example.com>\r\n' +
      'From: tool@example.com\r\nSubject: x\r\n\r\n.dot first\r\nend\r\n';
    const built = buildMessage(rawEmail(message), ID, 'X-Mailwatch-Id') as BuiltMessage;
    expect(built.path).toBe('raw');
    expect(built.messageId).toBe('<m1@example.com>');
    // dot-stuffed on the wire (RFC 5321 §4.5.2), otherwise unchanged
    expect(wire(built)).toBe(
      `X-Mailwatch-Id: ${ID}\r\n${message.replace('\r\n.dot', '\r\n..dot')}.\r\n`,
    );
    expect(built.envelope).toEqual({
      from: 'tool@example.com',
      to: ['a@example.org', 'b@example.org'],
      smtpUtf8: false,
    });
  });

  it('adds a Message-ID only when the message has none', () => {
    const built = buildMessage(
      rawEmail('From: t@example.com\r\n\r\nhi\r\n'),
      ID,
      'X-Mailwatch-Id',
    ) as BuiltMessage;
    expect(built.messageId).toBe(`<${ID}@example.com>`);
    expect(wire(built)).toMatch(
      new RegExp(`^X-Mailwatch-Id: ${ID}\\r\\nMessage-ID: <${ID}@example\\.com>\\r\\nFrom:`),
    );
  });

  it('uses envelopeFrom (the bounce address) as MAIL FROM, and flags UTF-8 headers for SMTPUTF8 and 8BITMIME', () => {
    const built = buildMessage(
      rawEmail('Subject: Grüße\r\nMessage-ID: <u@example.com>\r\n\r\nStraße\r\n', {
        envelopeFrom: 'bounce+x.0123456789abcdef@bounces.example.com',
      }),
      ID,
      'X-Mailwatch-Id',
    ) as BuiltMessage;
    expect(built.envelope.from).toBe('bounce+x.0123456789abcdef@bounces.example.com');
    expect(built.envelope.smtpUtf8).toBe(true);
    expect(built.eightBit).toBe(true);
    expect(Buffer.from(built.payload).includes(Buffer.from('Straße', 'utf8'))).toBe(true);
  });
});
