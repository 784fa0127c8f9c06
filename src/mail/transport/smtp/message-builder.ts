import { isAscii } from 'node:buffer';
import { domainToASCII } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingEmail } from '../mail-transport';
import { bodyOctets } from '../body-octets';
import { preparedHeaders } from '../prepared-headers';
import { messageError } from './smtp-error';
import { lineEndsIfFit, linesFit } from './body-encoding';
import { toWire, wireOctets, wireParts } from './wire-text';
import { singlePartText, standInFor, useIdentityEncodings } from './single-part';

export interface Envelope {
  from: string;
  to: string[];
  /** Some address has a non-ASCII local part: the server must offer SMTPUTF8. */
  smtpUtf8: boolean;
}

/** A message ready for the wire: CRLF line ends, dot-stuffed, ending with `.\r\n`. */
export interface BuiltMessage {
  envelope: Envelope;
  payload: string | Buffer;
  /** The payload carries octets above 127 (needs BODY=8BITMIME). */
  eightBit: boolean;
  /** Octets of the message (for SIZE=). */
  size: number;
  messageId: string;
  /** A body part went out as 8bit by choice: rebuilding without 8BITMIME can encode it. */
  chose8bit?: boolean;
  /** Which path built it; exposed for tests and the benchmark. */
  path: 'plain' | 'composer' | 'raw';
}

const DISPLAY_FORM = /^(.*?)\s*<([^<>]*)>$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const TEXT_ASCII = /^[\x20-\x7e\t\r\n]*$/;
const SAFE_PHRASE = /^(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*)$/;
const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const EIGHT_BIT = /[\u0080-\u00ff]/;

function addressOf(mailbox: string): string {
  const match = DISPLAY_FORM.exec(mailbox);
  return match ? match[2] : mailbox;
}

/** The envelope form of an address: IDN domains as punycode; flags a Unicode local part. */
function wireAddress(mailbox: string): { address: string; utf8: boolean } {
  const address = addressOf(mailbox).trim();
  if (PRINTABLE.test(address)) return { address, utf8: false };
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = domainToASCII(address.slice(at + 1)) || address.slice(at + 1);
  return { address: `${local}@${domain}`, utf8: !PRINTABLE.test(local) };
}

export function envelopeOf(email: OutgoingEmail): Envelope {
  const from = wireAddress(email.envelopeFrom ?? email.from);
  let utf8 = from.utf8;
  const to: string[] = [];
  for (const list of [email.to, email.cc, email.bcc]) {
    for (const mailbox of list ?? []) {
      const wire = wireAddress(mailbox);
      utf8 ||= wire.utf8;
      if (!to.includes(wire.address)) to.push(wire.address);
    }
  }
  if (to.length === 0) throw messageError('the message has no recipients');
  return { from: from.address, to, smtpUtf8: utf8 };
}

/** Same Message-ID on every attempt of an email, so a receiver can drop a duplicate. */
function messageIdFor(emailId: string, from: string): string {
  const domain = from.slice(from.lastIndexOf('@') + 1) || 'localhost';
  const local = SAFE_ID.test(emailId)
    ? emailId
    : `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
  return `<${local}@${domain}>`;
}

let dateSecond = -1;
let dateHeader = '';
/** RFC 5322 date, rebuilt at most once a second. */
function rfc5322Date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateHeader = new Date(now).toUTCString().replace('GMT', '+0000');
  }
  return dateHeader;
}

function isPlainMailbox(mailbox: string): boolean {
  if (!PRINTABLE.test(mailbox)) return false;
  const match = DISPLAY_FORM.exec(mailbox);
  return !match || SAFE_PHRASE.test(match[1]);
}

/** Text that can go out as 7-bit text/plain as is: no MIME tree, no encoding needed. */
export function isPlain(email: OutgoingEmail): boolean {
  if (email.html !== undefined || (email.attachments?.length ?? 0) > 0) return false;
  const subject = email.subject ?? '';
  if (subject.length > 900 || !PRINTABLE.test(subject)) return false;
  const text = email.text ?? '';
  // From a large body's octets when known: the regex would flatten a rope (kept-octets.ts).
  const octets = bodyOctets(email, 'text');
  if (octets !== undefined && !isAscii(octets)) return false;
  // linesFit splits on LF only: a bare CR makes a line look longer, never shorter (safe side).
  if (!TEXT_ASCII.test(text) || !linesFit(text)) return false;
  const mailboxes = [
    email.from,
    ...email.to,
    ...(email.cc ?? []),
    ...(email.replyTo ? [email.replyTo] : []),
  ];
  return mailboxes.every(isPlainMailbox);
}

function buildPlain(
  email: OutgoingEmail,
  emailId: string,
  envelope: Envelope,
  idHeader: string,
): BuiltMessage {
  const messageId = messageIdFor(emailId, envelope.from);
  let head = `From: ${email.from}\r\nTo: ${email.to.join(',\r\n ')}\r\n`;
  if (email.cc && email.cc.length > 0) head += `Cc: ${email.cc.join(',\r\n ')}\r\n`;
  if (email.replyTo) head += `Reply-To: ${email.replyTo}\r\n`;
  for (const name in email.headers) head += `${name}: ${email.headers[name]}\r\n`;
  head +=
    `Subject: ${email.subject ?? ''}\r\nMessage-ID: ${messageId}\r\nDate: ${rfc5322Date()}\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n` +
    `Content-Transfer-Encoding: 7bit\r\n${idHeader}: ${SAFE_ID.test(emailId) ? emailId : 'invalid'}\r\n\r\n`;
  const payload = head + toWire(email.text ?? '');
  return { envelope, payload, eightBit: false, size: payload.length, messageId, path: 'plain' };
}

/** A body's octets go to the wire line by line when they can (no CR), else as latin1 text. */
function wirePayload(head: string, body: string | Buffer): Buffer {
  if (typeof body === 'string') return wireParts(head, body);
  const ends = lineEndsIfFit(body);
  return ends ? wireOctets(head, body, ends) : wireParts(head, body.toString('latin1'));
}

function buildComposed(
  email: OutgoingEmail,
  emailId: string,
  envelope: Envelope,
  idHeader: string,
  eightBitMime: boolean,
  standIn = standInFor(email, eightBitMime),
): Promise<BuiltMessage> {
  const messageId = messageIdFor(emailId, envelope.from);
  const composer = new MailComposer({
    from: email.from,
    to: email.to,
    cc: email.cc,
    bcc: email.bcc,
    replyTo: email.replyTo,
    subject: email.subject,
    text: standIn?.field === 'text' ? standIn.content : email.text,
    html: standIn?.field === 'html' ? standIn.content : email.html,
    attachments: email.attachments,
    messageId,
    headers: { ...preparedHeaders(email), [idHeader]: emailId },
  });
  const root = composer.compile();
  const chose8bit = useIdentityEncodings(root, email, eightBitMime, standIn);
  const built = (head: string, body: string | Buffer): BuiltMessage => {
    const payload = wirePayload(head, body);
    const eightBit =
      EIGHT_BIT.test(head) || (typeof body === 'string' ? EIGHT_BIT.test(body) : !isAscii(body));
    return {
      envelope,
      payload,
      eightBit,
      size: payload.length,
      messageId,
      chose8bit,
      path: 'composer',
    };
  };
  const single = singlePartText(root, email, standIn);
  if (single !== undefined) return Promise.resolve(built(single.head, single.body));
  // A stand-in must never reach the wire: the tree is built again from the body itself.
  if (standIn) return buildComposed(email, emailId, envelope, idHeader, eightBitMime, undefined);
  return new Promise((resolve, reject) => {
    root.build((err, raw) => {
      if (err) return reject(messageError('the message could not be built'));
      resolve(built('', raw.toString('latin1')));
    });
  });
}

/**
 * A submitted message as sent (src/ingress): only header lines are prepended, above any
 * DKIM-Signature, which signs the headers named in its h= tag, found from the bottom up, so
 * a new header above it changes no signed input. Message-ID is added only when missing.
 */
function buildRaw(
  raw: string,
  emailId: string,
  envelope: Envelope,
  idHeader: string,
): BuiltMessage {
  const octets = Buffer.from(raw, 'base64').toString('latin1');
  const headEnd = octets.search(/\r?\n\r?\n/);
  const head = headEnd < 0 ? octets : octets.slice(0, headEnd);
  const existing = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  const messageId = existing ? existing[1].trim() : messageIdFor(emailId, envelope.from);
  let prefix = `${idHeader}: ${SAFE_ID.test(emailId) ? emailId : 'invalid'}\r\n`;
  if (!existing) prefix += `Message-ID: ${messageId}\r\n`;
  const payload = Buffer.from(toWire(prefix + octets), 'latin1');
  // Raw UTF-8 in headers is an internationalised message (RFC 6532): it needs SMTPUTF8 too.
  const utf8Head = EIGHT_BIT.test(head);
  return {
    envelope: utf8Head && !envelope.smtpUtf8 ? { ...envelope, smtpUtf8: true } : envelope,
    payload,
    eightBit: EIGHT_BIT.test(octets),
    size: payload.length,
    messageId,
    path: 'raw',
  };
}

/**
 * Plain text goes straight to the wire; anything richer goes through nodemailer's MailComposer.
 * `eightBitMime`: whether the relay is expected to offer 8BITMIME (8bit parts allowed).
 */
export function buildMessage(
  email: OutgoingEmail,
  emailId: string,
  idHeader: string,
  eightBitMime = true,
): BuiltMessage | Promise<BuiltMessage> {
  const envelope = envelopeOf(email);
  if (email.raw !== undefined) return buildRaw(email.raw, emailId, envelope, idHeader);
  return isPlain(email)
    ? buildPlain(email, emailId, envelope, idHeader)
    : buildComposed(email, emailId, envelope, idHeader, eightBitMime);
}
