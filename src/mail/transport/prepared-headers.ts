import type { OutgoingEmail } from './mail-transport';

/**
 * The caller's allow-listed headers (already one printable ASCII line each) in nodemailer's
 * `prepared` form, which keeps MailComposer from folding or encoding them: a List-Unsubscribe
 * URI must reach the receiver byte for byte as given.
 */
export function preparedHeaders(
  email: OutgoingEmail,
): Record<string, string | { prepared: true; value: string }> {
  const headers: Record<string, string | { prepared: true; value: string }> = {};
  for (const name in email.headers) {
    const value = email.headers[name];
    // MailComposer always formats References itself (it ignores `prepared` there): the ids
    // stay as given, but a long list is folded at 76 columns, which unfolds to the same value.
    headers[name] = name === 'References' ? value : { prepared: true, value };
  }
  return headers;
}
