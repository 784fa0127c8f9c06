import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSidecarDb, prepareAll } from '../sqlite/sidecar-db';
import { WebhookOutbox, type NewOutboxEvent, type OutboxEvent } from './webhook-outbox';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  endpoint TEXT NOT NULL,
  client TEXT NOT NULL,
  email_id TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_events_due ON webhook_events (due_at);`;

const COLUMNS = `id, endpoint, client, email_id AS emailId, type, body, created_at AS createdAt, attempts`;

/**
 * The durable webhook outbox of the local drivers: a SQLite file beside the spool (or in
 * memory for the memory driver). An event is written, committed, before anyone may send it;
 * it leaves the table only once its endpoint answered 2xx (or it expired), so a crash at any
 * point sends it again later (at least once, same `webhook-id`). A claimed event is leased:
 * its due time moves past the request's timeout, so a dead process's claims come back.
 * Per email and endpoint, only the oldest pending event is due: events stay in order.
 */
export class SqliteWebhookOutbox extends WebhookOutbox {
  private readonly sql: Record<keyof typeof SqliteWebhookOutbox.STATEMENTS, StatementSync>;
  private static readonly STATEMENTS = {
    add: `INSERT OR IGNORE INTO webhook_events
      (id, endpoint, client, email_id, type, body, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    due: `SELECT ${COLUMNS} FROM webhook_events e WHERE due_at <= ?
      AND NOT EXISTS (SELECT 1 FROM webhook_events p
        WHERE p.email_id = e.email_id AND p.endpoint = e.endpoint AND p.seq < e.seq)
      ORDER BY seq LIMIT ?`,
    lease: `UPDATE webhook_events SET due_at = ?, attempts = attempts + 1 WHERE id = ?`,
    done: `DELETE FROM webhook_events WHERE id = ?`,
    retry: `UPDATE webhook_events SET due_at = ? WHERE id = ?`,
    backlog: `SELECT COUNT(*) AS n FROM webhook_events`,
  };

  constructor(path: string) {
    super();
    this.db = openSidecarDb(path, SCHEMA);
    this.sql = prepareAll(this.db, SqliteWebhookOutbox.STATEMENTS);
  }

  private readonly db: DatabaseSync;

  // Synchronous inside: the event is committed before publish() returns.
  // eslint-disable-next-line @typescript-eslint/require-await
  async add(events: NewOutboxEvent[]): Promise<void> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const e of events)
        this.sql.add.run(
          e.id,
          e.endpoint,
          e.client,
          e.emailId,
          e.type,
          e.body,
          e.createdAt,
          e.createdAt,
        );
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Due events, leased until `leaseUntil` (their attempt counted). */
  claim(now: number, limit: number, leaseUntil: number): Promise<OutboxEvent[]> {
    const rows = this.sql.due.all(now, limit) as unknown as OutboxEvent[];
    for (const row of rows) {
      this.sql.lease.run(leaseUntil, row.id);
      row.attempts += 1;
    }
    return Promise.resolve(rows);
  }

  done(id: string): Promise<void> {
    this.sql.done.run(id);
    return Promise.resolve();
  }

  retryAt(id: string, dueAt: number): Promise<void> {
    this.sql.retry.run(dueAt, id);
    return Promise.resolve();
  }

  backlog(): Promise<number> {
    return Promise.resolve(Number((this.sql.backlog.get() as { n: number }).n));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
