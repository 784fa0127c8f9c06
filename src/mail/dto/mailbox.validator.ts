import { isEmail, registerDecorator, type ValidationOptions } from 'class-validator';

/** Anything below U+0020, DEL, and the Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
const DISPLAY_FORM = /^(.*?)\s*<([^<>]*)>$/;

/** RFC 5321 caps a forward path at 256 octets including the brackets. */
export const MAX_ADDRESS_LENGTH = 254;
export const MAX_DISPLAY_NAME_LENGTH = 200;

/**
 * A display name is either a quoted string or a phrase without the characters that would
 * let nodemailer read it as more than one address (`Eve, bob@x.org <a@b.c>` is two
 * recipients to an address parser). `"Doe, John" <j@example.com>` is fine.
 */
const QUOTED_NAME = /^"(?:[^"\\]|\\.)*"$/;
const PHRASE_SPECIALS = /[<>()[\]\\,;:@"]/;

export function isDisplayName(name: string): boolean {
  if (name.length > MAX_DISPLAY_NAME_LENGTH || CONTROL.test(name)) return false;
  return QUOTED_NAME.test(name) || !PHRASE_SPECIALS.test(name);
}

/** The bare address of a mailbox that passed isMailbox. */
export function addressOf(mailbox: string): string {
  const match = DISPLAY_FORM.exec(mailbox);
  return match ? match[2] : mailbox;
}

/**
 * Our address policy (README, "Addresses"): a dot-atom local part at a domain with a TLD;
 * no quoted local parts, address literals, comments or obsolete forms — legal in some RFC
 * sense, but in practice typos or attacks, and some relays mishandle them. Unicode in the
 * local part and IDN domains are accepted (nodemailer encodes IDN for the wire).
 */
export function isAddress(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ADDRESS_LENGTH || CONTROL.test(value)) return false;
  if (value.startsWith('"')) return false;
  return isEmail(value, {
    require_tld: true,
    allow_ip_domain: false,
    allow_utf8_local_part: true,
    allow_display_name: false,
  });
}

/** `addr@example.com` or `Display Name <addr@example.com>`. */
export function isMailbox(value: unknown): boolean {
  if (typeof value !== 'string' || CONTROL.test(value)) return false;
  const match = DISPLAY_FORM.exec(value);
  if (!match) return isAddress(value);
  const [, name, address] = match;
  return isDisplayName(name) && isAddress(address);
}

export function IsMailbox(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMailbox',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) =>
          `${args.property} must be ${options?.each ? 'a list of ' : 'an '}email address${options?.each ? 'es' : ''} like user@example.com or "Name <user@example.com>" (no control characters)`,
        ...options,
      },
      validator: { validate: (value: unknown) => isMailbox(value) },
    });
}
