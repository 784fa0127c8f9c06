import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ScriptedRelay,
  sampleEmail,
  startSpool,
  tempDir,
  type SpoolRig,
} from '../../../../../test/support/spool-kit';
import { GroupCommit } from './group-commit';
import type { SpoolEmailStore } from './spool-email-store';
import { SpoolStore } from './spool-store';
import type { WalSync } from './wal-sync';

/** Issue 20: one durable commit between a request and its answer. */
describe('spool commits on the request path', () => {
  let remove: () => void;
  let path: string;
  const rigs: SpoolRig[] = [];
  const spoolOf = (rig: SpoolRig) => (rig.queue as unknown as { spool: SpoolEmailStore }).spool;
  const request = (subject: string) => ({
    email: sampleEmail(subject),
    client: 'billing',
    startedAt: performance.now(),
    meta: {},
  });

  beforeEach(() => {
    let dir: string;
    ({ dir, remove } = tempDir());
    path = join(dir, 'spool.db');
  });
  afterEach(async () => {
    for (const rig of rigs.splice(0)) {
      rig.relay.releaseStalled();
      await rig.queue.onModuleDestroy();
    }
    remove();
  });

  it('answers a waiting caller after one commit; `sent` commits afterwards, shown meanwhile', async () => {
    const rig = startSpool(path);
    rigs.push(rig);
    const spool = spoolOf(rig);
    const before = spool.commits.stats.commits;

    const accepted = await rig.queue.enqueue(request('one commit'));
    const atAccept = spool.store.get(accepted.id, 0);
    const outcome = await rig.queue.waitForOutcome(accepted.id, 5_000);
    const commitsAtAnswer = spool.commits.stats.commits - before;
    const onDiskAtAnswer = spool.store.get(accepted.id, 0)?.status;
    const shownAtAnswer = await rig.queue.find(accepted.id);
    // The batched `sent` commit follows within a commit window (5 ms); bounded at 2 s.
    for (let i = 0; i < 400 && spool.store.get(accepted.id, 0)?.status !== 'sent'; i++) {
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }

    expect(atAccept).toMatchObject({ status: 'sending', attempts: 1 });
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1 });
    expect(commitsAtAnswer).toBe(1);
    expect(onDiskAtAnswer).toBe('sending');
    expect(shownAtAnswer).toMatchObject({ status: 'sent', messageId: `<${accepted.id}@relay>` });
    expect(spool.store.get(accepted.id, 0)?.status).toBe('sent');
  });

  it('an email that waits for a slot is stored `queued` and marked `sending` before its attempt', async () => {
    const relay = new ScriptedRelay((id) => (id === 'first' ? 'stall' : 'accept'));
    const rig = startSpool(path, relay, { concurrency: 1 });
    rigs.push(rig);
    const spool = spoolOf(rig);

    await rig.queue.enqueue({ ...request('first'), id: 'first' });
    await rig.queue.enqueue({ ...request('second'), id: 'second' });
    const waiting = spool.store.get('second', 0);
    relay.releaseStalled();
    const outcome = await rig.queue.waitForOutcome('second', 5_000);

    expect(waiting).toMatchObject({ status: 'queued', attempts: 0 });
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it("stretches the urgent window with the loop's unfinished emails: 1 ms up to 16, 3 ms from 48", async () => {
    const relay = new ScriptedRelay(() => 'stall');
    const rig = startSpool(path, relay, { concurrency: 64 });
    rigs.push(rig);
    const commits = spoolOf(rig).commits;
    const windowAt: number[] = [commits.urgentWindowMs()];

    for (const count of [16, 32, 48, 60]) {
      while (rig.queue.pendingCount() < count) await rig.queue.enqueue(request('load'));
      windowAt.push(commits.urgentWindowMs());
    }

    expect(windowAt).toEqual([1, 1, 2, 3, 3]);
  });

  it('resolves a committed write only after the log fsync that follows it, and fails it with the fsync', async () => {
    const store = SpoolStore.open({ path, synchronous: 'full', syncOffThread: true });
    const syncs: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
    const wal = {
      sync: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
    } as unknown as WalSync;
    const sut = new GroupCommit(store, wal);
    let first = 'pending';
    const writing = sut.run(() => store.putKey('k1', { id: 'a', fingerprint: 'f' }, 9e15));
    void writing.then(() => (first = 'resolved'));

    sut.flush();
    await Promise.resolve();
    const beforeSync = first;
    syncs[0].resolve();
    await writing;
    const failing = sut.run(() => store.putKey('k2', { id: 'b', fingerprint: 'f' }, 9e15));
    sut.flush();
    syncs[1].reject(new Error('EIO'));

    expect(beforeSync).toBe('pending');
    expect(first).toBe('resolved');
    await expect(failing).rejects.toThrow('EIO');
    store.close();
  });
});
