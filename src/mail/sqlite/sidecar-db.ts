import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * Opens one of the mail feature's small SQLite files beside the spool (suppressions, recipient
 * outcomes, the webhook outbox): WAL with FULL sync, because each write is a promise made to
 * a caller (a bounce's 250, an event committed before its email's outcome is reported).
 */
export function openSidecarDb(path: string, schema: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // A short busy wait: the file is this process's, but a restart may overlap the old one.
  const db = new DatabaseSync(path, { timeout: 2_000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec(schema);
  return db;
}

/** Every statement prepared once, by name. */
export function prepareAll<K extends string>(
  db: DatabaseSync,
  statements: Record<K, string>,
): Record<K, StatementSync> {
  return Object.fromEntries(
    Object.entries<string>(statements).map(([name, text]) => [name, db.prepare(text)]),
  ) as Record<K, StatementSync>;
}
