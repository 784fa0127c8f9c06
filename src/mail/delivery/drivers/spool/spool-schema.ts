/** Bumped on any incompatible change; a spool from a newer version is refused at start. */
export const SCHEMA_VERSION = 1;

/**
 * One row per accepted email. `seq` keeps acceptance order for recovery; `payload` (the
 * OutgoingEmail as JSON) is dropped once sent and kept while failed, for re-drive. Times
 * are epoch milliseconds. `accepted_at` is when the request arrived, so the duration
 * metric spans restarts.
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
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  outcome TEXT,
  request_id TEXT,
  metadata TEXT,
  accepted_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  settled_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS emails_unfinished ON emails (seq) WHERE settled_at IS NULL;
CREATE INDEX IF NOT EXISTS emails_settled ON emails (settled_at) WHERE settled_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  email_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
`;
