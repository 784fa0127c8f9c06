import type { ISendMailOptions } from '@nestjs-modules/mailer';
import { EMAIL_ID_HEADER } from '../mail.constants';
import type { OutgoingEmail } from './mail-transport';
import { preparedHeaders } from './prepared-headers';

/**
 * What the nodemailer-based transports (mailer, outbox) pass to sendMail: a submitted raw
 * message goes out as its own bytes with our id header prepended (see buildRaw in
 * smtp/message-builder.ts for why that is DKIM-safe); anything else is composed.
 */
export function nodemailerMessage(email: OutgoingEmail, emailId: string): ISendMailOptions {
  const recipients = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])];
  const envelope = { from: email.envelopeFrom ?? email.from, to: recipients };
  if (email.raw !== undefined) {
    const prefix = Buffer.from(`${EMAIL_ID_HEADER}: ${emailId}\r\n`, 'latin1');
    return { envelope, raw: Buffer.concat([prefix, Buffer.from(email.raw, 'base64')]) };
  }
  const { envelopeFrom, raw, ...fields } = email;
  void raw;
  return {
    ...fields,
    ...(envelopeFrom === undefined ? {} : { envelope }),
    headers: { ...preparedHeaders(email), [EMAIL_ID_HEADER]: emailId },
  };
}
