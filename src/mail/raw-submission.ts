import type { OutgoingEmail } from './transport/mail-transport';

/**
 * A message submitted whole (src/ingress, SMTP): sent as its own bytes, so signatures the
 * submitter added (DKIM) still verify. With it, EmailMessage.from is the header From that
 * the sender policy checks and EmailMessage.to holds every envelope recipient.
 */
export interface RawSubmission {
  /** Base64 of the message's octets exactly as received. */
  raw: string;
  /** The submitter's MAIL FROM (empty for a null sender). */
  envelopeFrom?: string;
}

export function rawOutgoing(
  message: RawSubmission & { from?: string; to: string | string[]; subject: string },
  mailFrom: string,
): OutgoingEmail {
  return {
    from: message.envelopeFrom || message.from || mailFrom,
    to: Array.isArray(message.to) ? message.to : [message.to],
    subject: message.subject,
    raw: message.raw,
  };
}
