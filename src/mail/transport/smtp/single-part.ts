import type MimeNode from 'nodemailer/lib/mime-node';
import { bodyOctets } from '../body-octets';
import type { OutgoingEmail } from '../mail-transport';

/** The MimeNode internals the shortcut checks; nodemailer's typings do not declare them. */
interface NodeInternals {
  multipart?: unknown;
  content?: unknown;
  newline?: unknown;
  _raw?: unknown;
  _transforms: unknown[];
  _processFuncs: unknown[];
}

/**
 * The octets MimeNode.build would produce, as latin1 characters (one per octet), for a
 * message of one text or html part that goes out as it is (7bit or 8bit, body-encoding.ts);
 * undefined for anything else (several parts, attachments, quoted-printable, base64). Such a
 * node streams its header block, a blank line and its content's UTF-8 octets; nodemailer's
 * last-newline step only adds a line end that toWire adds anyway. Built directly, the body
 * is not piped through streams and concatenated again, and a large body's octets are the
 * ones the spool already encoded (body-octets.ts): issue 20.
 */
export function singlePartText(root: MimeNode, email: OutgoingEmail): string | undefined {
  const node = root as unknown as NodeInternals;
  if (node.multipart || node._raw || node.newline) return undefined;
  if (node._transforms.length > 0 || node._processFuncs.length > 0) return undefined;
  const content = node.content;
  if (typeof content !== 'string') return undefined;
  const field = content === email.text ? 'text' : content === email.html ? 'html' : undefined;
  if (field === undefined) return undefined;
  const encoding = root.getTransferEncoding();
  if (encoding === 'quoted-printable' || encoding === 'base64') return undefined;
  const head = Buffer.from(`${root.buildHeaders()}\r\n\r\n`, 'utf8').toString('latin1');
  const octets = bodyOctets(email, field) ?? Buffer.from(content, 'utf8');
  return head + octets.toString('latin1');
}
