import { InvalidPositionError } from './delivery-queue';

/** A page position (BrowsedEmail.position): `<epoch ms>.<id>`, ordered by time then id. */
export const positionOf = (at: number, id: string): string => `${at}.${id}`;

export function parsePosition(position: string): [number, string] {
  const dot = position.indexOf('.');
  const at = Number(position.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(at)) throw new InvalidPositionError(position);
  return [at, position.slice(dot + 1)];
}

/** Whether [at, id] sorts before [otherAt, otherId]. */
export const keyBefore = ([at, id]: [number, string], [otherAt, otherId]: [number, string]) =>
  at < otherAt || (at === otherAt && id < otherId);
