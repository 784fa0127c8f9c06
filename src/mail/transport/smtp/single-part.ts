import { isAscii } from 'node:buffer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { bodyOctets, type BodyField } from '../body-octets';
import type { OutgoingEmail } from '../mail-transport';
import { identityEncoding } from './body-encoding';

/** The MimeNode internals the shortcut checks; nodemailer's typings do not declare them. */
interface NodeInternals {
  multipart?: unknown;
  content?: unknown;
  newline?: unknown;
  _raw?: unknown;
  _transforms: unknown[];
  _processFuncs: unknown[];
}

/** A short string MailComposer is given instead of a large body it would only scan. */
export interface StandIn {
  field: BodyField;
  content: string;
}

/**
 * For a message of one large text or html part whose octets are known and go out as they
 * are: a stand-in for the body. MimeNode scans its content (isPlainText, the charset test),
 * and a scan flattens a body the parser decoded as a rope (kept-octets.ts) into one large
 * string, the cost issue 20 avoids; the stand-in has the body's class for those scans (ASCII
 * or not), so the headers come out the same, and singlePartText sends the body's octets.
 */
export function standInFor(email: OutgoingEmail, eightBitMime: boolean): StandIn | undefined {
  if ((email.attachments?.length ?? 0) > 0) return undefined;
  if ((email.text === undefined) === (email.html === undefined)) return undefined;
  const field: BodyField = email.text === undefined ? 'html' : 'text';
  const octets = bodyOctets(email, field);
  if (!octets || identityEncoding('', eightBitMime, octets) === undefined) return undefined;
  return { field, content: isAscii(octets) ? 'a' : 'é' };
}

/** Which body a MimeNode's content is: the email's text, its html, or the stand-in for one. */
export function bodyFieldOf(
  content: unknown,
  email: OutgoingEmail,
  standIn: StandIn | undefined,
): BodyField | undefined {
  if (typeof content !== 'string') return undefined;
  if (standIn && content === standIn.content) return standIn.field;
  return content === email.text ? 'text' : content === email.html ? 'html' : undefined;
}

/**
 * The text and html parts that need no encoding go out as they are (body-encoding.ts). MimeNode
 * has no option for it (a text/* part always gets quoted-printable or base64 once it is not
 * short-lined ASCII), but sends content as is for any other transfer encoding: the node is told
 * its encoding here. Attachments keep nodemailer's choice. Returns whether some part is 8bit.
 */
export function useIdentityEncodings(
  node: MimeNode,
  email: OutgoingEmail,
  eightBitMime: boolean,
  standIn: StandIn | undefined,
): boolean {
  let chose8bit = false;
  for (const child of node.childNodes)
    chose8bit = useIdentityEncodings(child, email, eightBitMime, standIn) || chose8bit;
  const content: unknown = node.content;
  const field = bodyFieldOf(content, email, standIn);
  if (typeof content !== 'string' || field === undefined) return chose8bit;
  const octets = bodyOctets(email, field);
  const encoding = identityEncoding(content, eightBitMime, octets);
  if (encoding) node.getTransferEncoding = () => encoding;
  return chose8bit || encoding === '8bit';
}

/**
 * The octets MimeNode.build would produce, as latin1 characters (one per octet), for a
 * message of one text or html part that goes out as it is (7bit or 8bit, body-encoding.ts);
 * undefined for anything else (several parts, attachments, quoted-printable, base64). Such a
 * node streams its header block, a blank line and its content's UTF-8 octets; nodemailer's
 * last-newline step only adds a line end that toWire adds anyway. Built directly, the body
 * is not piped through streams and concatenated again, and a large body's octets are the
 * ones the spool already encoded (body-octets.ts): issue 20. Head and body come apart, so
 * the body's line ends are converted on their own (wire-text.ts); a large body comes as its
 * octets, a short one as latin1 characters.
 */
export function singlePartText(
  root: MimeNode,
  email: OutgoingEmail,
  standIn?: StandIn,
): { head: string; body: string | Buffer } | undefined {
  const node = root as unknown as NodeInternals;
  if (node.multipart || node._raw || node.newline) return undefined;
  if (node._transforms.length > 0 || node._processFuncs.length > 0) return undefined;
  const content = node.content;
  const field = bodyFieldOf(content, email, standIn);
  if (field === undefined) return undefined;
  const encoding = root.getTransferEncoding();
  if (encoding === 'quoted-printable' || encoding === 'base64') return undefined;
  const head = Buffer.from(`${root.buildHeaders()}\r\n\r\n`, 'utf8').toString('latin1');
  const octets = bodyOctets(email, field);
  return { head, body: octets ?? Buffer.from(content as string, 'utf8').toString('latin1') };
}
