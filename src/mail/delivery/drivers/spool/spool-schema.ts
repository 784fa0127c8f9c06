import type { DatabaseSync } from 'node:sqlite';
import { SpoolOpenError } from './spool-errors';

/** Bumped on any incompatible change; a spool from a newer version is refused at start. */
export const SCHEMA_VERSION = 3;

/**
 * One row per accepted email. `seq` keeps acceptance order for recovery; `payload` (the
 * OutgoingEmail as JSON) is dropped once sent and kept while failed, for re-drive. A large
 * text or html is not in that JSON but in `email_bodies`, its UTF-8 octets as they are
 * (spool-payload.ts), one row per email keyed by `seq`, dropped with the payload by a
 * trigger (a `sent` settle, or the email row's deletion). Its own table (schema 3): SQLite
 * rewrites a whole row when an update changes its size, and `queued` → `sending` does, so a
 * body in the email row was written to the log again at every attempt (twice per deferral)
 * — 27 pages for 100 KB.
 * Schema 2 kept the octets in `text_octets`/`html_octets`; rows written then are still read
 * from there. Times are epoch milliseconds; `metadata` is the EmailMeta JSON (request id,
 * template) the driver hands back when the email settles. `accepted_at` is when the request
 * arrived, so the duration metric spans restarts.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS spool_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS emails (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  client TEXT NOT NULL,
  payload TEXT,
  text_octets BLOB,
  html_octets BLOB,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  outcome TEXT,
  metadata TEXT,
  accepted_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  settled_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS emails_unfinished ON emails (seq) WHERE settled_at IS NULL;
CREATE INDEX IF NOT EXISTS emails_settled ON emails (settled_at) WHERE settled_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS email_bodies (
  seq INTEGER PRIMARY KEY,
  text_octets BLOB,
  html_octets BLOB
) STRICT;
CREATE TRIGGER IF NOT EXISTS email_bodies_follow AFTER DELETE ON emails
BEGIN
  DELETE FROM email_bodies WHERE seq = OLD.seq;
END;
CREATE TRIGGER IF NOT EXISTS email_bodies_sent AFTER UPDATE OF payload ON emails
  WHEN NEW.payload IS NULL AND OLD.payload IS NOT NULL
BEGIN
  DELETE FROM email_bodies WHERE seq = OLD.seq;
END;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  email_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
`;

const COLUMNS = `id, client, status, attempts, next_attempt_at, outcome, metadata,
  accepted_at, created_at, updated_at, settled_at`;

/** Every statement the store runs, prepared once at open. */
export const STATEMENTS = {
  // CAST: a payload bound as UTF-8 octets (a Buffer) is stored as the TEXT it encodes.
  insert: `INSERT INTO emails (id, client, payload, status, attempts, metadata, accepted_at,
        created_at, updated_at)
        VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?)`,
  insertBody: `INSERT INTO email_bodies (seq, text_octets, html_octets)
        VALUES (last_insert_rowid(), ?, ?)`,
  sending: `UPDATE emails SET status = 'sending', attempts = ?,
        next_attempt_at = NULL, updated_at = ? WHERE id = ?`,
  retry: `UPDATE emails SET status = 'queued', attempts = ?, next_attempt_at = ?,
        outcome = ?, updated_at = ? WHERE id = ?`,
  settle: `UPDATE emails SET status = ?, attempts = ?, outcome = ?, updated_at = ?,
        settled_at = ?, next_attempt_at = NULL,
        payload = CASE WHEN ? = 'sent' THEN NULL ELSE payload END,
        text_octets = CASE WHEN ?6 = 'sent' THEN NULL ELSE text_octets END,
        html_octets = CASE WHEN ?6 = 'sent' THEN NULL ELSE html_octets END WHERE id = ?`,
  requeue: `UPDATE emails SET status = 'queued', attempts = 0, outcome = NULL,
        next_attempt_at = NULL, settled_at = NULL, accepted_at = ?, updated_at = ?
        WHERE id = ? AND status = 'failed' AND payload IS NOT NULL`,
  get: `SELECT ${COLUMNS} FROM emails WHERE id = ?
        AND (settled_at IS NULL OR settled_at > ?)`,
  payload: `SELECT e.payload, coalesce(b.text_octets, e.text_octets) AS text_octets,
        coalesce(b.html_octets, e.html_octets) AS html_octets
        FROM emails e LEFT JOIN email_bodies b ON b.seq = e.seq WHERE e.id = ?`,
  failed: `SELECT ${COLUMNS} FROM emails WHERE settled_at > ? AND status = 'failed'
        ORDER BY settled_at DESC, seq DESC LIMIT ?`,
  failedOf: `SELECT ${COLUMNS} FROM emails WHERE settled_at > ? AND status = 'failed'
        AND client = ? ORDER BY settled_at DESC, seq DESC LIMIT ?`,
  failedPage: `SELECT ${COLUMNS} FROM emails WHERE settled_at > ? AND status = 'failed'
        AND (settled_at < ? OR (settled_at = ? AND id < ?))
        ORDER BY settled_at DESC, id DESC LIMIT ?`,
  unfinished: `SELECT ${COLUMNS} FROM emails WHERE settled_at IS NULL ORDER BY seq`,
  unsend: `UPDATE emails SET status = 'queued' WHERE status = 'sending'`,
  putKey: `INSERT OR REPLACE INTO idempotency_keys (key, email_id, fingerprint,
        expires_at) VALUES (?, ?, ?, ?)`,
  getKey: `SELECT email_id AS id, fingerprint FROM idempotency_keys
        WHERE key = ? AND expires_at > ?`,
  purgeOld: `DELETE FROM emails WHERE settled_at <= ?`,
  purgeExcess: `DELETE FROM emails WHERE seq IN (SELECT seq FROM emails
        WHERE settled_at IS NOT NULL ORDER BY settled_at DESC, seq DESC LIMIT -1 OFFSET ?)`,
  purgeKeys: `DELETE FROM idempotency_keys WHERE expires_at <= ?`,
};

/**
 * Records the schema version in a new spool and brings an older one up to it (schema 1 had
 * no octet columns: its rows keep their bodies in the payload JSON, which still reads back;
 * schema 2 rows keep theirs in the email row; `email_bodies` is created by SCHEMA); refuses a
 * spool from a newer version.
 */
export function checkSchemaVersion(db: DatabaseSync, path: string): void {
  const row = db.prepare(`SELECT value FROM spool_meta WHERE key = 'schema_version'`).get() as
    { value: string } | undefined;
  if (!row || Number(row.value) < SCHEMA_VERSION) {
    const columns = db.prepare('PRAGMA table_info(emails)').all() as Array<{ name: string }>;
    for (const column of ['text_octets', 'html_octets']) {
      if (!columns.some((c) => c.name === column))
        db.exec(`ALTER TABLE emails ADD COLUMN ${column} BLOB`);
    }
    db.prepare(`INSERT OR REPLACE INTO spool_meta (key, value) VALUES ('schema_version', ?)`).run(
      String(SCHEMA_VERSION),
    );
  } else if (Number(row.value) > SCHEMA_VERSION) {
    throw new SpoolOpenError(
      path,
      `was written by a newer mailwatch (spool schema ${row.value}, this one knows ${SCHEMA_VERSION})`,
    );
  }
}
