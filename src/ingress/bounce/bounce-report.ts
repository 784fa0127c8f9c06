import { simpleParser, type ParsedMail } from 'mailparser';
import { statusInText } from './bounce-classifier';
import { parseDeliveryStatus, type RecipientStatus } from './delivery-status';

/** RFC 3464 §2.1 and its internationalised form (RFC 6533 §6). */
const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const ADDRESS = /[^\s<>"(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const DIAGNOSTIC_LINE =
  /\b[45]\d\d[\s-]|\b[45]\.\d{1,3}\.\d{1,3}\b|unknown|no such|does not exist|full|quota|rejected|disabled/i;

/** Prose naming the failed address ("wasn't delivered to x@y", "delivery to x@y failed"). */
const FAILED = /deliver|fail|could ?n[o']t|not found/i;

function headerText(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Bounces that are not RFC 3464 reports (older MTAs, qmail, Exim without DSN, some
 * providers): the failed addresses from `X-Failed-Recipients` (Exim) or the body, and the
 * first line that reads like an SMTP reply as the diagnostic.
 */
function nonStandard(mail: ParsedMail): RecipientStatus[] {
  const text = mail.text ?? '';
  const lines = text.split(/\r?\n/);
  const diagnostic = lines
    .find((l) => DIAGNOSTIC_LINE.test(l))
    ?.trim()
    .slice(0, 300);
  const failed = headerText(mail, 'x-failed-recipients');
  let recipients =
    failed
      ?.split(',')
      .map((a) => a.trim())
      .filter((a) => ADDRESS.test(a)) ?? [];
  if (recipients.length === 0) {
    // qmail (QSBMF): "<user@example.org>:" on a line of its own, the reason below.
    recipients = lines
      .map((l) => /^<([^<>\s]+@[^<>\s]+)>:\s*$/.exec(l.trim())?.[1])
      .filter((a) => a !== undefined);
  }
  if (recipients.length === 0) {
    const line = lines.find((l) => ADDRESS.test(l) && (DIAGNOSTIC_LINE.test(l) || FAILED.test(l)));
    const address = line ? ADDRESS.exec(line)?.[0] : undefined;
    if (address) recipients = [address];
  }
  if (diagnostic === undefined && recipients.length === 0) return [];
  const status = diagnostic === undefined ? undefined : statusInText(diagnostic);
  const list = recipients.length > 0 ? recipients : [undefined];
  return list.map((recipient) => ({ recipient, action: 'failed', status, diagnostic }));
}

/** The per-recipient reports in a bounce message: RFC 3464 when it is one, else a best effort. */
export async function parseBounce(raw: Buffer): Promise<RecipientStatus[]> {
  // keepDeliveryStatus: the report part as an attachment, not merged into `text`.
  const options = { skipTextLinks: true, skipImageLinks: true, keepDeliveryStatus: true };
  const mail = await simpleParser(raw, options);
  const parts = mail.attachments.filter((a) => STATUS_TYPES.has(a.contentType.toLowerCase()));
  if (parts.length > 0) {
    return parts.flatMap((part) => parseDeliveryStatus(part.content.toString('utf8')));
  }
  return nonStandard(mail);
}
