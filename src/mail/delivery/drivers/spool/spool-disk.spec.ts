import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import {
  sampleEmail,
  startSpool,
  tempDir,
  type SpoolRig,
} from '../../../../../test/support/spool-kit';
import { SpoolUnavailableError } from './spool-errors';
import { SpoolStore } from './spool-store';

/**
 * Real file-system faults: a small tmpfs that fills up, and a read-only mount. Needs root
 * (CI runs as root) — the point is the kernel's own ENOSPC/EROFS, not a simulated error.
 */
describe('spool on a failing disk', () => {
  let dir: string;
  let remove: () => void;
  let mnt: string;
  let rig: SpoolRig | undefined;

  beforeEach(() => {
    ({ dir, remove } = tempDir());
    mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  });
  afterEach(async () => {
    await rig?.queue.onModuleDestroy();
    rig = undefined;
    execFileSync('umount', [mnt]);
    remove();
  });

  const request = () => ({
    email: { ...sampleEmail(), text: 'x'.repeat(8_000) },
    client: 'billing',
    startedAt: performance.now(),
    meta: {},
  });

  /** Fills the file system with `filler` until the kernel says ENOSPC. */
  function fill(filler: string): void {
    const chunk = Buffer.alloc(16 * 1024);
    for (;;) {
      try {
        appendFileSync(filler, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
        throw err;
      }
    }
  }

  it('answers 503 while the disk is full, keeps every accepted email, and recovers when space returns', async () => {
    const path = join(mnt, 'spool.db');
    rig = startSpool(path);
    const before = await rig.queue.enqueue(request());
    await rig.queue.waitForOutcome(before.id, 5_000);
    const filler = join(mnt, 'filler');
    fill(filler);

    // Free pages inside the file may still take a few emails; the disk refuses soon after.
    const accepted: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 200 && !refusal; i++) {
      await rig.queue.enqueue(request()).then(
        (view) => accepted.push(view.id),
        (err: unknown) => (refusal = err),
      );
    }
    expect(refusal).toBeInstanceOf(SpoolUnavailableError);
    rmSync(filler);
    const after = await rig.queue.enqueue(request());
    const outcomes = await Promise.all(
      [...accepted, after.id].map((id) => rig!.queue.waitForOutcome(id, 10_000)),
    );

    expect(outcomes.map((view) => view?.status)).toEqual(outcomes.map(() => 'sent'));
    expect(rig.relay.accepted.sort()).toEqual([before.id, ...accepted, after.id].sort());
    await rig.queue.onModuleDestroy();
    rig = undefined;
    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    expect(check.prepare(`SELECT count(*) AS n FROM emails`).get()).toEqual({
      n: accepted.length + 2,
    });
    check.close();
  });

  it('refuses to start on a read-only file system, with one clear line', () => {
    const path = join(mnt, 'spool.db');
    SpoolStore.open({ path, synchronous: 'full' }).close();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);

    expect(() => SpoolStore.open({ path, synchronous: 'full' })).toThrow(
      /^SPOOL_PATH .*spool\.db is on a read-only file system; the spool must be writable$/,
    );
  });

  it('refuses to create a spool on a full disk, with one clear line', () => {
    fill(join(mnt, 'filler'));

    expect(() => SpoolStore.open({ path: join(mnt, 'spool.db'), synchronous: 'full' })).toThrow(
      /^SPOOL_PATH .*spool\.db cannot be written: the disk is full$/,
    );
  });
});
