import type { StatementSync } from 'node:sqlite';
import { openSidecarDb, prepareAll } from '../sqlite/sidecar-db';
import type { RecipientOutcome } from './recipient-outcomes';
import type { RecipientOutcomeStore } from './recipient-outcome-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recipient_outcomes (
  email_id TEXT NOT NULL,
  address TEXT NOT NULL,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reported_at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (email_id, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recipient_outcomes_reported ON recipient_outcomes (reported_at);`;

const STATEMENTS = {
  // A soft report never replaces a hard one (RecipientOutcomeStore.replaces, in SQL).
  put: `INSERT INTO recipient_outcomes (email_id, address, type, outcome, reported_at, seq)
    VALUES (?, ?, ?, ?, ?, (SELECT COUNT(*) FROM recipient_outcomes WHERE email_id = ?))
    ON CONFLICT (email_id, address) DO UPDATE SET type = excluded.type,
      outcome = excluded.outcome, reported_at = excluded.reported_at
    WHERE NOT (recipient_outcomes.type = 'hard' AND excluded.type = 'soft')`,
  list: `SELECT outcome FROM recipient_outcomes WHERE email_id = ? ORDER BY seq`,
  purge: `DELETE FROM recipient_outcomes WHERE reported_at <= ?`,
};

/** Expired outcomes are deleted at most this often, on a write. */
const PURGE_EVERY_MS = 60_000;

/**
 * QUEUE_DRIVER=spool: a SQLite file of its own beside the spool (recipients.db), as the
 * suppression list has, so the spool's exclusive lock and schema stay the spool's. Each
 * report is its own committed transaction (synchronous FULL) before the bounce is answered
 * 250. Kept `retentionMs` after the report: at least as long as its email is visible.
 */
export class SqliteRecipientOutcomeStore implements RecipientOutcomeStore {
  private readonly sql: Record<keyof typeof STATEMENTS, StatementSync>;
  private purgedAt = 0;

  constructor(
    readonly path: string,
    private readonly retentionMs: number,
    private readonly db = openSidecarDb(path, SCHEMA),
  ) {
    this.sql = prepareAll(db, STATEMENTS);
  }

  record(emailId: string, outcome: RecipientOutcome, now: number): Promise<void> {
    const { address, type } = outcome;
    this.sql.put.run(emailId, address, type, JSON.stringify(outcome), now, emailId);
    if (now - this.purgedAt > PURGE_EVERY_MS) {
      this.purgedAt = now;
      this.sql.purge.run(now - this.retentionMs);
    }
    return Promise.resolve();
  }

  list(emailId: string): Promise<RecipientOutcome[]> {
    const rows = this.sql.list.all(emailId) as Array<{ outcome: string }>;
    return Promise.resolve(rows.map((row) => JSON.parse(row.outcome) as RecipientOutcome));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
