import type { StatementSync } from 'node:sqlite';
import { openSidecarDb, prepareAll } from '../sqlite/sidecar-db';
import type { SuppressionEntry, SuppressionSource, SuppressionStore } from './suppression-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS suppressions (
  scope TEXT NOT NULL,
  address TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (scope, address)
) WITHOUT ROWID;`;

const COLUMNS = `scope, address, source, reason, first_seen AS firstSeen, last_seen AS lastSeen, count`;

const STATEMENTS = {
  add: `INSERT INTO suppressions (scope, address, source, reason, first_seen, last_seen, count)
    VALUES (?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (scope, address) DO UPDATE SET source = excluded.source,
      reason = excluded.reason, last_seen = excluded.last_seen, count = count + 1`,
  remove: `DELETE FROM suppressions WHERE scope = ? AND address = ?`,
  get: `SELECT ${COLUMNS} FROM suppressions WHERE scope = ? AND address = ?`,
  keys: `SELECT scope, address FROM suppressions`,
  scoped: `SELECT ${COLUMNS} FROM suppressions WHERE scope = ? AND address > ?
    ORDER BY address LIMIT ?`,
  all: `SELECT ${COLUMNS} FROM suppressions WHERE (scope, address) > (?, ?)
    ORDER BY scope, address LIMIT ?`,
};

const keyOf = (scope: string, address: string): string => `${scope}\n${address}`;

/**
 * QUEUE_DRIVER=spool: its own SQLite file beside the spool (SUPPRESSION_PATH, default
 * suppressions.db next to SPOOL_PATH), so the spool's exclusive lock and schema stay the
 * spool's. Each add is its own committed transaction (synchronous FULL): an address the relay
 * refused stays suppressed through a crash. Calls are synchronous and cheap (a primary-key
 * lookup per recipient).
 */
export class SqliteSuppressionStore implements SuppressionStore {
  private readonly sql: Record<keyof typeof STATEMENTS, StatementSync>;
  /**
   * Every (scope, address) on the list, mirrored in memory: the check runs for every accepted
   * email, and an SQLite lookup takes and drops a file lock each time (~5 µs, 26 µs per request
   * measured under load, issue 20). Only this process writes the file (it sits beside the
   * spool, which one process owns), so the mirror cannot go stale.
   */
  private readonly keys = new Set<string>();

  constructor(
    readonly path: string,
    private readonly db = openSidecarDb(path, SCHEMA),
  ) {
    this.sql = prepareAll(db, STATEMENTS);
    for (const row of this.sql.keys.iterate() as Iterable<{ scope: string; address: string }>) {
      this.keys.add(keyOf(row.scope, row.address));
    }
  }

  add(scope: string, address: string, source: SuppressionSource, reason: string, now: number) {
    this.sql.add.run(scope, address, source, reason, now, now);
    this.keys.add(keyOf(scope, address));
    return Promise.resolve();
  }

  remove(scope: string, address: string): Promise<boolean> {
    const removed = Number(this.sql.remove.run(scope, address).changes) > 0;
    this.keys.delete(keyOf(scope, address));
    return Promise.resolve(removed);
  }

  suppressed(scope: string, addresses: string[]): Promise<Set<string>> {
    if (this.keys.size === 0) return Promise.resolve(new Set());
    return Promise.resolve(
      new Set(addresses.filter((address) => this.keys.has(keyOf(scope, address)))),
    );
  }

  get(scope: string, address: string): Promise<SuppressionEntry | undefined> {
    return Promise.resolve(this.sql.get.get(scope, address) as SuppressionEntry | undefined);
  }

  list(scope: string | undefined, limit: number, after?: [string, string]) {
    const rows =
      scope === undefined
        ? this.sql.all.all(after?.[0] ?? '', after?.[1] ?? '', limit)
        : this.sql.scoped.all(scope, after?.[0] === scope ? after[1] : '', limit);
    return Promise.resolve(rows as unknown as SuppressionEntry[]);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
