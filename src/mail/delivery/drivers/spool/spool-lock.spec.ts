import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { tempDir } from '../../../../../test/support/spool-kit';
import { SpoolStore } from './spool-store';

/**
 * Another process that opens the same file the way any SQLite client would: it tries to
 * write, prints the outcome, and (when `hold`) keeps the connection open until killed.
 */
const CLIENT = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 0 });
try {
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS other (x); COMMIT');
  console.log('locked');
} catch (err) {
  console.log('refused: ' + err.message);
  process.exit(0);
}
if (process.argv[2] !== 'hold') process.exit(0);
setInterval(() => undefined, 1000);
`;

describe('spool file ownership', () => {
  let dir: string;
  let remove: () => void;
  let child: ChildProcess | undefined;

  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => {
    child?.kill('SIGKILL');
    remove();
  });

  /** Starts a process that holds `path`, resolving once it owns the lock. */
  async function holder(path: string): Promise<ChildProcess> {
    const proc = spawn(process.execPath, ['-e', CLIENT, path, 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(proc.stdout, 'data')) as [Buffer];
    expect(line.toString().trim()).toBe('locked');
    return proc;
  }

  it('keeps other processes out while this one owns the spool', () => {
    const path = join(dir, 'spool.db');
    const sut = SpoolStore.open({ path, synchronous: 'full' });

    const other = spawnSync(process.execPath, ['-e', CLIENT, path], { encoding: 'utf8' });
    sut.close();

    expect(other.stdout.trim()).toBe('refused: database is locked');
  });

  it('refuses to open a spool another process holds, with one clear line', async () => {
    const path = join(dir, 'spool.db');
    child = await holder(path);

    expect(() => SpoolStore.open({ path, synchronous: 'full' })).toThrow(
      `SPOOL_PATH ${path} is in use by another process (one process owns a spool file): stop the other process, or give this one its own SPOOL_PATH`,
    );
  });

  it('takes over the spool once its owner was killed with SIGKILL (no stale lock)', async () => {
    const path = join(dir, 'spool.db');
    child = await holder(path);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const sut = SpoolStore.open({ path, synchronous: 'full' });

    expect(sut.isOpen).toBe(true);
    sut.close();
  });
});
