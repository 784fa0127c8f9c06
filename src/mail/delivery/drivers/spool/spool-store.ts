import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { EmailStatus } from '../../email-view';
import { openFailureReason, SpoolOpenError } from './spool-errors';
import type { NewEmail, StoredPayload } from './spool-row';
import { checkSchemaVersion, SCHEMA, STATEMENTS } from './spool-schema';

export type { BodyOctets, NewEmail, StoredPayload } from './spool-row';

/**
 * What a commit promises (https://sqlite.org/pragma.html#pragma_synchronous, WAL mode):
 * `full` fsyncs the log on every commit — a committed email survives a power cut or kernel
 * crash; `normal` fsyncs only at checkpoints — it survives a killed process (kill -9, OOM)
 * but the last commits before a power cut can be lost.
 */
export type SpoolSynchronous = 'full' | 'normal';

export interface SpoolStoreOptions {
  path: string;
  synchronous: SpoolSynchronous;
  /** With `full`: the caller fsyncs the log itself (WalSync on `walPath`), not COMMIT. */
  syncOffThread?: boolean;
}

export interface SpoolRow {
  id: string;
  client: string;
  status: EmailStatus;
  attempts: number;
  next_attempt_at: number | null;
  /** JSON: `{ messageId?, lastError? }`. */
  outcome: string | null;
  metadata: string | null;
  accepted_at: number;
  created_at: number;
  updated_at: number;
  settled_at: number | null;
}

export interface KeyRecord {
  id: string;
  fingerprint: string;
}

/**
 * The spool file: SQLite in WAL mode, owned by one process. `locking_mode=EXCLUSIVE` makes
 * the first write take a file lock that is held until close and released by the kernel if
 * the process dies, so a second process on the same file fails at open — no stale lock
 * files after kill -9. All calls are synchronous; writes happen inside `transaction`.
 */
export class SpoolStore {
  private readonly sql: Record<keyof typeof STATEMENTS, StatementSync>;
  private open = true;

  private constructor(
    readonly path: string,
    private readonly db: DatabaseSync,
  ) {
    this.sql = Object.fromEntries(
      Object.entries(STATEMENTS).map(([name, text]) => [name, db.prepare(text)]),
    ) as Record<keyof typeof STATEMENTS, StatementSync>;
  }

  /** Opens (creating if needed) and locks the spool; throws SpoolOpenError with one clear line. */
  static open({ path, synchronous, syncOffThread = false }: SpoolStoreOptions): SpoolStore {
    let db: DatabaseSync | undefined;
    try {
      if (path !== ':memory:') SpoolStore.checkWritable(path);
      // timeout 0: a locked spool fails now instead of waiting for the other process.
      db = new DatabaseSync(path, { timeout: 0 });
      // Exclusive mode first: WAL then keeps its index in process memory (no -shm file).
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      const mode = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
      if (mode.journal_mode !== 'wal' && path !== ':memory:') {
        throw new SpoolOpenError(path, `cannot use WAL mode (got ${mode.journal_mode})`);
      }
      const inCommit = synchronous === 'full' && !syncOffThread;
      db.exec(`PRAGMA synchronous = ${inCommit ? 'FULL' : 'NORMAL'}`);
      // The log shrinks back to this after checkpoints, so a burst does not keep disk forever.
      db.exec('PRAGMA journal_size_limit = 67108864');
      // Checkpoints run inside a COMMIT on the event loop (two fsyncs): every 4,000 pages, not
      // 1,000, copies a page the hot path keeps rewriting back once per 16 MB (docs/spool.md).
      db.exec('PRAGMA wal_autocheckpoint = 4000');
      // The first write takes the exclusive lock that makes this process the spool's owner.
      db.exec('BEGIN IMMEDIATE');
      db.exec(SCHEMA);
      checkSchemaVersion(db, path);
      db.exec('COMMIT');
      const check = db.prepare('PRAGMA quick_check(1)').get() as { quick_check: string };
      if (check.quick_check !== 'ok') {
        throw new SpoolOpenError(
          path,
          `is corrupt (${check.quick_check}): move it aside or restore it`,
        );
      }
      return new SpoolStore(path, db);
    } catch (err) {
      try {
        db?.close();
      } catch {
        // Already failing: the first error is the one worth reporting.
      }
      if (err instanceof SpoolOpenError) throw err;
      throw new SpoolOpenError(path, openFailureReason(err));
    }
  }

  /**
   * SQLite opens an unwritable file read-only and fails later with a vague I/O error; the
   * file system's own answer (EROFS, EACCES) names the problem.
   */
  private static checkWritable(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    accessSync(dirname(path), constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.R_OK | constants.W_OK);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The write-ahead log beside the file (what a WalSync fsyncs). */
  get walPath(): string {
    return `${this.path}-wal`;
  }

  /** Runs `body` in one transaction: all of its writes or none. */
  transaction(body: () => void): void {
    if (!this.open) throw new Error('spool is closed');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      body();
      this.db.exec('COMMIT');
    } catch (err) {
      // SQLite may already have rolled back (e.g. SQLITE_FULL); a second rollback would throw.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Readiness after a failed write (issue 25): stores `bytes` in a scratch row, so a full disk
   * fails it like an email of that size would. Call inside `transaction`, then with 0 to free.
   */
  probeWrite(bytes: number): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO spool_meta (key, value) VALUES ('write_probe', ?)`)
      .run('x'.repeat(bytes));
  }

  insert(email: NewEmail): void {
    const { id, client, payload, metadata, acceptedAt, now, sendingAttempt, octets } = email;
    const status = sendingAttempt === undefined ? 'queued' : 'sending';
    const attempts = sendingAttempt ?? 0;
    this.sql.insert.run(id, client, payload, status, attempts, metadata, acceptedAt, now, now);
    if (octets?.text || octets?.html) {
      this.sql.insertBody.run(octets.text ?? null, octets.html ?? null);
    }
  }

  markSending(id: string, attempts: number, now: number): void {
    this.sql.sending.run(attempts, now, id);
  }

  markRetry(
    id: string,
    attempts: number,
    nextAttemptAt: number,
    outcome: string,
    now: number,
  ): void {
    this.sql.retry.run(attempts, nextAttemptAt, outcome, now, id);
  }

  markSettled(
    id: string,
    status: 'sent' | 'failed',
    attempts: number,
    outcome: string,
    now: number,
  ): void {
    this.sql.settle.run(status, attempts, outcome, now, now, status, id);
  }

  /** A failed email back to `queued` with a fresh budget; false when it is not a dead letter. */
  requeue(id: string, acceptedAt: number, now: number): boolean {
    return Number(this.sql.requeue.run(acceptedAt, now, id).changes) === 1;
  }

  /** Emails that were `sending` when the last owner stopped, back to `queued`. */
  unsend(): void {
    this.sql.unsend.run();
  }

  putKey(key: string, record: KeyRecord, expiresAt: number): void {
    this.sql.putKey.run(key, record.id, record.fingerprint, expiresAt);
  }

  getKey(key: string, now: number): KeyRecord | undefined {
    return this.sql.getKey.get(key, now) as KeyRecord | undefined;
  }

  /** The email, unless it settled at or before `visibleAfter` (past retention). */
  get(id: string, visibleAfter: number): SpoolRow | undefined {
    return this.sql.get.get(id, visibleAfter) as SpoolRow | undefined;
  }

  /** The payload JSON and the octets of the bodies kept out of it, while the email has them. */
  payload(id: string): StoredPayload | undefined {
    const row = this.sql.payload.get(id) as StoredPayload | undefined;
    return row?.payload == null ? undefined : row;
  }

  /** Newest first; only `client`'s when given. */
  listFailed(limit: number, visibleAfter: number, client?: string): SpoolRow[] {
    const rows =
      client === undefined
        ? this.sql.failed.all(visibleAfter, limit)
        : this.sql.failedOf.all(visibleAfter, client, limit);
    return rows as unknown as SpoolRow[];
  }

  /** Failed emails newest first by (settled_at, id), strictly after the keyset [at, id]. */
  failedPage(limit: number, visibleAfter: number, before?: [number, string]): SpoolRow[] {
    const [at, id] = before ?? [Number.MAX_SAFE_INTEGER, ''];
    return this.sql.failedPage.all(visibleAfter, at, at, id, limit) as unknown as SpoolRow[];
  }

  unfinished(): SpoolRow[] {
    return this.sql.unfinished.all() as unknown as SpoolRow[];
  }

  /** Deletes settled emails past retention or beyond `keepMax`, and expired keys. */
  purge(settledBefore: number, keepMax: number, now: number): number {
    let removed = 0;
    this.transaction(() => {
      removed += Number(this.sql.purgeOld.run(settledBefore).changes);
      removed += Number(this.sql.purgeExcess.run(keepMax).changes);
      this.sql.purgeKeys.run(now);
    });
    return removed;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.db.close();
  }
}
