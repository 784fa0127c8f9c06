/**
 * The UTF-8 octets of a large string property, kept beside the object that holds the string,
 * so that whoever needs the octets later (the spool, the SMTP engine) need not encode the
 * string again — and need not flatten it: a large body is decoded by the JSON body parser as
 * a rope of pieces (request-hardening.ts), because one flat string over 128 KB costs a
 * large-object allocation, which measured ~0.7 ms per request on this sandbox's page faults
 * (issue 20). An entry counts only while the property still holds the very string it was
 * kept for; objects copied from one another (body → DTO → email) share their entries.
 */
interface Kept {
  source: string;
  octets: Buffer;
}

/**
 * The entries live on their owner, under a symbol and not enumerable (JSON, spreads and
 * Object.assign do not see or copy them), not in a module-level WeakMap: V8's scavenger visits
 * an old WeakMap's values strongly, so every entry kept its body alive through the next minor
 * collection and a 100 KB body was promoted with it — all of them, measured, each left for a
 * full collection (issue 20). An owner that cannot take a property keeps nothing: its octets
 * are encoded again when needed.
 */
const KEPT = Symbol('keptOctets');
type Owner = { [KEPT]?: Map<string, Kept> };

function entriesOf(owner: object): Map<string, Kept> | undefined {
  return (owner as Owner)[KEPT];
}

function attach(owner: object, entries: Map<string, Kept>): boolean {
  if (Object.prototype.hasOwnProperty.call(owner, KEPT)) return true;
  if (!Object.isExtensible(owner)) return false;
  Object.defineProperty(owner, KEPT, { value: entries });
  return true;
}

export function keepOctets(owner: object, key: string, source: string, octets: Buffer): void {
  const entries = entriesOf(owner) ?? new Map<string, Kept>();
  if (attach(owner, entries)) entries.set(key, { source, octets });
}

/**
 * The octets kept for `owner[key]`, when `source` is the string they were kept for. Mostly
 * the same string object (a pointer comparison); an equal string of the same length is
 * compared by content, which flattens it but still finds the right octets.
 */
export function keptOctets(owner: object, key: string, source: string): Buffer | undefined {
  const entry = entriesOf(owner)?.get(key);
  return entry !== undefined && entry.source === source ? entry.octets : undefined;
}

/** `to` was made from `from` (same string properties): it shares `from`'s kept octets. */
export function carryOctets(from: unknown, to: object): void {
  if (typeof from !== 'object' || from === null || from === to) return;
  const entries = entriesOf(from);
  if (entries) attach(to, entries);
}
