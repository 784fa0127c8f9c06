import { QueueUnavailableError } from '../queue-errors';

/** SQLite primary result codes we tell apart (https://sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The primary SQLite result code of a node:sqlite error (extended codes carry it in the low byte). */
export function sqliteCode(err: unknown): number | undefined {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : undefined;
}

const FS_REASONS: Record<string, string> = {
  EACCES: 'cannot be opened for writing: permission denied',
  EPERM: 'cannot be opened for writing: permission denied',
  EROFS: 'is on a read-only file system; the spool must be writable',
  ENOSPC: 'cannot be created: the disk is full',
  ENOTDIR: 'cannot be created: a parent of it is not a directory',
  // mkdir -p over a file: the parent exists but is not a directory.
  EEXIST: 'cannot be created: a parent of it is not a directory',
};

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message.replace(/\s+/g, ' ') : String(err);
}

/** Why a spool could not be opened, as one line for the operator. */
export function openFailureReason(err: unknown): string {
  const fsCode = (err as { code?: unknown } | null)?.code;
  if (typeof fsCode === 'string' && FS_REASONS[fsCode]) return FS_REASONS[fsCode];
  switch (sqliteCode(err)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return 'is in use by another process (one process owns a spool file): stop the other process, or give this one its own SPOOL_PATH';
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return 'is corrupt or not a spool database: move it aside to start with an empty spool, or restore it from a backup';
    case SQLITE_READONLY:
      return 'is read-only (file or file system); the spool must be writable';
    case SQLITE_FULL:
      return 'cannot be written: the disk is full';
    case SQLITE_CANTOPEN:
      return 'cannot be opened: its directory is missing or not writable, or permission is denied';
    case SQLITE_IOERR:
      return 'cannot be read or written: I/O error';
    default:
      return `cannot be opened: ${messageOf(err)}`;
  }
}

/** Start-up failure: the message is one line naming SPOOL_PATH and what to do. */
export class SpoolOpenError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`SPOOL_PATH ${path} ${reason}`);
    this.name = 'SpoolOpenError';
  }
}

/** Whether a write failed because the disk (or its quota) is full. */
export function isDiskFull(err: unknown): boolean {
  return sqliteCode(err) === SQLITE_FULL;
}

/** 503: the spool refused the write, and the transaction that would have stored it rolled back. */
export class SpoolUnavailableError extends QueueUnavailableError {
  constructor(retryAfterSeconds = 30) {
    super(
      'the spool cannot store emails right now (disk full or I/O error); nothing was queued, retry later',
      retryAfterSeconds,
    );
  }
}
