import { randomUUID } from 'node:crypto';

/**
 * A new email id: a UUID version 7 (RFC 9562), the acceptance time in milliseconds followed
 * by random bits. Time-ordered ids keep the spool's unique index appending at its right edge
 * instead of dirtying a random page per insert, so a group commit writes fewer pages to the
 * log (issue 20). The 74 random bits (from `randomUUID`'s pool) keep ids unguessable; the
 * only thing an id tells is when the email was accepted, which its own view shows anyway.
 */
export function newEmailId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID: xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx; keep from the version digit's successor.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
