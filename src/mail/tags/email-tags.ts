import { registerDecorator } from 'class-validator';
import type { EmailView } from '../delivery/email-view';
import type { EmailMeta } from '../delivery/settled-email';

/**
 * Tags and metadata: the caller's own ids on an email (README, "Tags and metadata"). They are
 * stored in the email's EmailMeta (so every queue driver keeps them without a schema change),
 * echoed by GET /emails/:id and carried to webhooks. Never a metric label or a log field:
 * their values are unbounded per client.
 */
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 64;
export const MAX_METADATA_KEYS = 20;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_VALUE_LENGTH = 256;
/** Letters, digits and `_ . : -`: safe in a URL query (GET /emails?tag=) and in any log. */
export const TAG_PATTERN = /^[A-Za-z0-9_.:-]+$/;
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The meta keys this feature owns (MailService also stores requestId, template). */
const TAGS_KEY = 'tags';
const METADATA_KEY = 'metadata';

function tagsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'tags must be a list of strings';
  if (value.length > MAX_TAGS) return `tags must have at most ${MAX_TAGS} entries`;
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH)
      return `each tag must be a string of 1 to ${MAX_TAG_LENGTH} characters`;
    if (!TAG_PATTERN.test(tag)) return 'each tag may hold only letters, digits and _ . : -';
  }
  if (new Set(value).size !== value.length) return 'tags must not repeat';
  return undefined;
}

function metadataProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'metadata must be an object of string values';
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS)
    return `metadata must have at most ${MAX_METADATA_KEYS} keys`;
  for (const [key, item] of entries) {
    if (key.length > MAX_METADATA_KEY_LENGTH || !KEY_PATTERN.test(key))
      return `each metadata key must be 1 to ${MAX_METADATA_KEY_LENGTH} letters, digits or _ . -`;
    if (typeof item !== 'string') return `metadata.${key} must be a string`;
    if (item.length > MAX_METADATA_VALUE_LENGTH)
      return `metadata.${key} must be at most ${MAX_METADATA_VALUE_LENGTH} characters`;
    if (CONTROL.test(item)) return `metadata.${key} must not contain control characters`;
  }
  return undefined;
}

function checked(problem: (value: unknown) => string | undefined): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: `emailTags.${String(propertyName)}`,
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) => problem(args.value) ?? `${String(propertyName)} is invalid`,
      },
      validator: { validate: (value: unknown) => problem(value) === undefined },
    });
}

/** `tags`: up to 10 distinct short ids. */
export const AreTags = (): PropertyDecorator => checked(tagsProblem);
/** `metadata`: up to 20 string entries. */
export const IsMetadata = (): PropertyDecorator => checked(metadataProblem);

export interface Labelled {
  tags?: string[];
  metadata?: Record<string, string>;
}

/** Into the email's meta (strings only: every driver stores EmailMeta as it is). */
export function tagsMeta(labelled: Labelled): EmailMeta {
  return {
    ...(labelled.tags?.length ? { [TAGS_KEY]: JSON.stringify(labelled.tags) } : {}),
    ...(labelled.metadata && Object.keys(labelled.metadata).length > 0
      ? { [METADATA_KEY]: JSON.stringify(labelled.metadata) }
      : {}),
  };
}

/** Back out of the meta; absent when the email has none. */
export function labelsOf(meta: EmailMeta | undefined): Labelled {
  const result: Labelled = {};
  if (meta?.[TAGS_KEY]) result.tags = JSON.parse(meta[TAGS_KEY]) as string[];
  if (meta?.[METADATA_KEY])
    result.metadata = JSON.parse(meta[METADATA_KEY]) as Record<string, string>;
  return result;
}

export function hasTag(view: EmailView, tag: string): boolean {
  return labelsOf(view.meta).tags?.includes(tag) ?? false;
}
