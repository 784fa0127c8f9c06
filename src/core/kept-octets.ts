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

const kept = new WeakMap<object, Map<string, Kept>>();

export function keepOctets(owner: object, key: string, source: string, octets: Buffer): void {
  let entries = kept.get(owner);
  if (!entries) kept.set(owner, (entries = new Map<string, Kept>()));
  entries.set(key, { source, octets });
}

/**
 * The octets kept for `owner[key]`, when `source` is the string they were kept for. Mostly
 * the same string object (a pointer comparison); an equal string of the same length is
 * compared by content, which flattens it but still finds the right octets.
 */
export function keptOctets(owner: object, key: string, source: string): Buffer | undefined {
  const entry = kept.get(owner)?.get(key);
  return entry !== undefined && entry.source === source ? entry.octets : undefined;
}

/** `to` was made from `from` (same string properties): it shares `from`'s kept octets. */
export function carryOctets(from: unknown, to: object): void {
  if (typeof from !== 'object' || from === null || from === to) return;
  const entries = kept.get(from);
  if (entries && !kept.has(to)) kept.set(to, entries);
}
