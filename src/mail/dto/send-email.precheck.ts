import { isMailbox } from './mailbox.validator';

export interface SendEmailLimits {
  maxRecipients: number;
  maxSubjectLength: number;
  maxBodyTextLength: number;
  /** What the subject must match (no control characters, line breaks included). */
  noLineBreaks: RegExp;
}

/** The keys of the common shape; template, context and attachments go to class-validator. */
const COMMON_KEYS = new Set(['to', 'cc', 'bcc', 'from', 'replyTo', 'subject', 'text', 'html']);

/** Recipients of one field after SendEmailDto's toList, or -1 when not plainly valid. */
function mailboxes(value: unknown): number {
  if (typeof value === 'string') return isMailbox(value) ? 1 : -1;
  if (!Array.isArray(value)) return -1;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string' || !isMailbox(value[i])) return -1;
  }
  return value.length;
}

function textWithin(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length <= max;
}

/**
 * SendEmailDto.precheck: true only for a body SendEmailDto's decorators accept with no error,
 * in its common form (addresses, subject, text and/or html). It must never say true to a body
 * class-validator would refuse; a false merely hands the body to class-validator. Kept in step
 * with the decorators by src/mail/dto/send-email.precheck.spec.ts (property-based).
 */
export function isCommonSendEmail(value: unknown, limits: SendEmailLimits): boolean {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return false;
  }
  const body = value as Record<string, unknown>;
  for (const key in body) if (!COMMON_KEYS.has(key)) return false;
  const to = mailboxes(body.to);
  if (to < 1) return false;
  const cc = body.cc === undefined ? 0 : mailboxes(body.cc);
  const bcc = body.bcc === undefined ? 0 : mailboxes(body.bcc);
  if (cc < 0 || bcc < 0 || to + cc + bcc > limits.maxRecipients) return false;
  for (const single of [body.from, body.replyTo]) {
    if (single !== undefined && (typeof single !== 'string' || !isMailbox(single))) return false;
  }
  const { subject, text, html } = body;
  if (typeof subject !== 'string' || subject.length === 0) return false;
  if (subject.length > limits.maxSubjectLength || !limits.noLineBreaks.test(subject)) return false;
  if (text === undefined && html === undefined) return false;
  if (text !== undefined && !textWithin(text, limits.maxBodyTextLength)) return false;
  return html === undefined || textWithin(html, limits.maxBodyTextLength);
}
