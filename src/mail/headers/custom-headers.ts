import { registerDecorator } from 'class-validator';

/**
 * The custom headers a caller may set (README, "Custom headers"): one-click unsubscribe
 * (RFC 2369, RFC 8058) and threading (RFC 5322 §3.6.4). Nothing that routes or identifies
 * (From, Sender, To, Return-Path, Received, DKIM-Signature, Message-ID, …) is settable.
 * Values go to the wire exactly as given, so they must already be what RFC 5322 allows
 * there: printable ASCII on one line (no encoding, no folding), each line ≤ 998 octets.
 */
export const ALLOWED_HEADERS = [
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'In-Reply-To',
  'References',
] as const;
export type AllowedHeader = (typeof ALLOWED_HEADERS)[number];
export type CustomHeaders = Partial<Record<AllowedHeader, string>>;

const CANONICAL = new Map<string, AllowedHeader>(ALLOWED_HEADERS.map((h) => [h.toLowerCase(), h]));
const PRINTABLE = /^[\x20-\x7e]+$/;
/** RFC 5322 §2.1.1, without the CRLF. */
const MAX_LINE = 998;
const ONE_CLICK = 'List-Unsubscribe=One-Click';
/** `<https://…>` or `<mailto:…>`: no spaces or angle brackets inside. */
const UNSUBSCRIBE_URI = /^<((?:https|mailto):[^\s<>]+)>$/i;
/** `<left@right>` (RFC 5322 msg-id, dot-atom and no-fold-literal forms alike). */
const MSG_ID = /^<[^\s<>@]+@[^\s<>@]+>$/;

function valueProblem(name: AllowedHeader, value: string): string | undefined {
  switch (name) {
    case 'List-Unsubscribe':
      return value.split(',').every((part) => UNSUBSCRIBE_URI.test(part.trim()))
        ? undefined
        : 'List-Unsubscribe must be a comma-separated list of <https:…> or <mailto:…> URIs';
    case 'List-Unsubscribe-Post':
      return value === ONE_CLICK ? undefined : `List-Unsubscribe-Post must be "${ONE_CLICK}"`;
    default:
      return value.split(' ').every((id) => id === '' || MSG_ID.test(id)) && value.trim() !== ''
        ? undefined
        : `${name} must be one or more message ids like <id@example.com>, separated by spaces`;
  }
}

/** Why `value` is not an acceptable `headers` object, or undefined when it is. */
export function headersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'headers must be an object of header names to strings';
  const seen = new Map<AllowedHeader, string>();
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const name = CANONICAL.get(key.toLowerCase());
    if (name === undefined)
      return `headers may only set ${ALLOWED_HEADERS.join(', ')} (not ${JSON.stringify(key.slice(0, 40))})`;
    if (seen.has(name)) return `headers sets ${name} twice`;
    if (typeof item !== 'string') return `headers.${name} must be a string`;
    // CR, LF and every other control or non-ASCII character: one header, one line, no encoding.
    if (!PRINTABLE.test(item))
      return `headers.${name} must be printable ASCII on one line (no line breaks or control characters)`;
    if (name.length + 2 + item.length > MAX_LINE)
      return `headers.${name} must fit on one ${MAX_LINE}-character line`;
    const problem = valueProblem(name, item);
    if (problem) return `headers.${problem}`;
    seen.set(name, item);
  }
  const post = seen.get('List-Unsubscribe-Post');
  // RFC 8058 §3.1: the POST goes to the List-Unsubscribe header's HTTPS URI.
  if (post !== undefined && !/<https:/i.test(seen.get('List-Unsubscribe') ?? ''))
    return 'headers.List-Unsubscribe-Post needs a List-Unsubscribe header with an <https:…> URI';
  return undefined;
}

/** The validated headers under their canonical names, for the message builders. */
export function canonicalHeaders(
  value: Record<string, string> | undefined,
): CustomHeaders | undefined {
  if (value === undefined || value === null) return undefined;
  const result: CustomHeaders = {};
  for (const [key, item] of Object.entries(value)) {
    const name = CANONICAL.get(key.toLowerCase());
    if (name) result[name] = item;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** `headers` on SendEmailDto. */
export function AreAllowedHeaders(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'allowedHeaders',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args) => headersProblem(args.value) ?? 'headers is invalid' },
      validator: { validate: (value: unknown) => headersProblem(value) === undefined },
    });
}
