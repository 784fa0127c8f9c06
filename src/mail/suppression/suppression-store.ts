/** Why an address is on the list: a relay's permanent refusal, a bounce, or an API call. */
export const SUPPRESSION_SOURCES = ['refusal', 'bounce', 'api'] as const;
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

/** One suppressed address of one scope (a client, or `*` when SUPPRESSION_SCOPE=shared). */
export interface SuppressionEntry {
  scope: string;
  address: string;
  source: SuppressionSource;
  /** The refusal's reply (`550 5.1.1 …`) or the caller's note; never a relay host. */
  reason: string;
  /** Epoch ms. */
  firstSeen: number;
  lastSeen: number;
  /** How many times the address was added (refused again, added again). */
  count: number;
}

export interface SuppressionPage {
  entries: SuppressionEntry[];
  /** Opaque; absent on the last page. */
  next?: string;
}

/**
 * Where the list lives: beside the emails (SQLite beside the spool, Redis, or memory), so it
 * is as durable as the queue. Addresses arrive normalised (SuppressionList.normalise).
 */
export interface SuppressionStore {
  /** Adds the address, or bumps its count, lastSeen and reason. */
  add(
    scope: string,
    address: string,
    source: SuppressionSource,
    reason: string,
    now: number,
  ): Promise<void>;
  /** True when it was there. */
  remove(scope: string, address: string): Promise<boolean>;
  /** The subset of `addresses` on the scope's list. */
  suppressed(scope: string, addresses: string[]): Promise<Set<string>>;
  get(scope: string, address: string): Promise<SuppressionEntry | undefined>;
  /** Ordered by (scope, address); every scope when `scope` is undefined (operators). */
  list(
    scope: string | undefined,
    limit: number,
    after?: [string, string],
  ): Promise<SuppressionEntry[]>;
  close?(): void;
}

/** The cursor is the last entry's key, so a page never skips or repeats across inserts. */
export function encodeCursor(entry: SuppressionEntry): string {
  return Buffer.from(JSON.stringify([entry.scope, entry.address])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')
      ? (value as [string, string])
      : undefined;
  } catch {
    return undefined;
  }
}
