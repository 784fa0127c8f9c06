import { invalidField } from '../../core/error-body';
import type { BrowseGroup } from '../delivery/drivers/delivery-queue';

/**
 * The `next`/`cursor` of GET /emails and POST /emails/redrive: the driver's position and the
 * group it walks, base64url JSON. Opaque to callers; only checked for shape here (a forged
 * position is refused by the driver, see BacklogService).
 */
export function encodeCursor(group: BrowseGroup, position: string): string {
  return Buffer.from(JSON.stringify({ g: group, p: position })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, group: BrowseGroup): string | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { g, p } = (parsed ?? {}) as { g?: unknown; p?: unknown };
  if (typeof p !== 'string' || (g !== 'failed' && g !== 'unfinished')) throw badCursor();
  if (g !== group) {
    throw invalidField('cursor', 'cursor belongs to a listing of another status; start over');
  }
  return p;
}

export const badCursor = () =>
  invalidField('cursor', 'cursor must be the next of a previous answer');
