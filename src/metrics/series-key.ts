import type { LabelValues } from 'prom-client';

type Labels = LabelValues<string>;

/*
 * What the hot-path metrics need to find a series without prom-client's per-call hashing:
 * the same label checks prom-client makes, done once per label set, and a key that is the
 * same whatever order the labels were given in.
 */

/** prom-client's check: every given label name was declared. */
export function checkLabels(names: readonly string[], labels: Labels): void {
  for (const key of Object.keys(labels)) {
    if (!names.includes(key))
      throw new Error(
        `Added label "${key}" is not included in initial labelset: ${JSON.stringify(names)}`,
      );
  }
}

/** One string per label set; `names` sorted once by the caller. */
export function keyOf(names: readonly string[], labels: Labels): string {
  let key = '';
  for (const name of names) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

/**
 * `labels('a', 'b')` or `labels({ … })` → a label object, with prom-client's error when the
 * positional count is wrong.
 */
export function labelsFrom(declared: readonly string[], args: unknown[]): Labels {
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) return args[0];
  if (declared.length !== args.length)
    throw new Error(
      `Invalid number of arguments (${args.length}): "${args.join(', ')}" for label names (${declared.length}): "${declared.join(', ')}".`,
    );
  return Object.fromEntries(declared.map((name, i) => [name, args[i]])) as Labels;
}

export function checkValue(value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
}
