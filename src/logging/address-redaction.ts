/** Anything shaped like an address, with or without angle brackets. */
const ADDRESS = /[^\s<>"',;:()[\]]+@[^\s<>"',;:()[\]]+/g;

/**
 * Replaces email addresses in a log line with `[redacted]`. SMTP replies quote recipients
 * (`550 5.1.1 <jane@example.com>: no such user`), and logs must not become a list of
 * who was mailed (LOG_REDACT_RECIPIENTS).
 */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, '[redacted]');
}
