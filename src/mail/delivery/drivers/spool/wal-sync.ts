import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

/**
 * fsync of the spool's write-ahead log on libuv's thread pool (issue 20). SQLite's own
 * `synchronous=FULL` fsyncs inside COMMIT, blocking the event loop for the fsync's whole
 * duration (measured: most of the spool's main-thread time at 8 connections). Instead the
 * spool commits with `synchronous=NORMAL` (WAL frames written, not synced) and GroupCommit
 * resolves a batch's callers only after this fsync: the same promise as FULL — a committed
 * email survives a power cut — with the event loop free while the disk works.
 * fsync is per file (inode): our own descriptor syncs the frames SQLite wrote through its.
 */
export class WalSync {
  private fd?: number;

  constructor(private readonly walPath: string) {}

  /** Everything written to the log so far is on disk when this resolves. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.descriptor();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      fsync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** At close: blocks until the log is on disk. */
  syncNow(): void {
    fsyncSync(this.descriptor());
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Opened at the first sync: the log exists once something was committed. */
  private descriptor(): number {
    this.fd ??= openSync(this.walPath, 'r');
    return this.fd;
  }
}
