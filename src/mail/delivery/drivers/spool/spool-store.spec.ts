import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { tempDir } from '../../../../../test/support/spool-kit';
import { GroupCommit } from './group-commit';
import { SpoolOpenError } from './spool-errors';
import { SpoolStore } from './spool-store';

const newEmail = (id: string, now = Date.now()) => ({
  id,
  client: 'billing',
  payload: '{"subject":"x"}',
  metadata: '{}',
  acceptedAt: now,
  now,
});

describe(SpoolStore.name, () => {
  let dir: string;
  let remove: () => void;
  const open: SpoolStore[] = [];
  const openStore = (path = join(dir, 'var', 'spool.db')) => {
    const store = SpoolStore.open({ path, synchronous: 'full' });
    open.push(store);
    return store;
  };

  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => {
    open.splice(0).forEach((store) => store.close());
    remove();
  });

  it('creates the directory and a WAL spool whose rows survive a reopen', () => {
    const path = join(dir, 'var', 'spool.db');
    const sut = openStore(path);
    sut.transaction(() => sut.insert(newEmail('a')));
    sut.close();

    const reopened = openStore(path);

    expect(reopened.get('a', 0)).toMatchObject({ id: 'a', status: 'queued', attempts: 0 });
    expect(reopened.payload('a')?.payload).toBe('{"subject":"x"}');
  });

  it('refuses a second owner of the same file with a one-line error', () => {
    const path = join(dir, 'spool.db');
    openStore(path);

    expect(() => openStore(path)).toThrow(
      /^SPOOL_PATH .*spool\.db is in use by another process \(one process owns a spool file\)/,
    );
  });

  it('refuses a file that is not a spool, naming what to do', () => {
    const path = join(dir, 'spool.db');
    writeFileSync(path, 'this is not an SQLite file, just some text '.repeat(200));

    expect(() => openStore(path)).toThrow(SpoolOpenError);
    expect(() => openStore(path)).toThrow(/is corrupt or not a spool database: move it aside/);
  });

  it('refuses a path whose parent is a file', () => {
    writeFileSync(join(dir, 'file'), 'x');

    expect(() => openStore(join(dir, 'file', 'spool.db'))).toThrow(
      /^SPOOL_PATH .* cannot be created: a parent of it is not a directory$/,
    );
  });

  it('refuses a spool written by a newer schema', () => {
    const path = join(dir, 'spool.db');
    openStore(path).close();
    const raw = new DatabaseSync(path);
    raw.exec(`UPDATE spool_meta SET value = '99' WHERE key = 'schema_version'`);
    raw.close();

    expect(() => openStore(path)).toThrow(/was written by a newer mailwatch \(spool schema 99/);
  });

  it('refuses a directory given as the spool file', () => {
    mkdirSync(join(dir, 'spool.db'));

    expect(() => openStore(join(dir, 'spool.db'))).toThrow(
      /^SPOOL_PATH .*spool\.db cannot be opened/,
    );
  });

  describe(GroupCommit.name, () => {
    it('commits the writes of one event-loop turn in one transaction, then resolves them', async () => {
      const store = openStore();
      const sut = new GroupCommit(store);

      const writes = Array.from({ length: 100 }, (_, i) =>
        sut.run(() => store.insert(newEmail(`e${i}`))),
      );
      expect(store.get('e0', 0)).toBeUndefined();
      await Promise.all(writes);

      expect(sut.stats).toEqual({ commits: 1, writes: 100 });
      expect(store.get('e99', 0)).toMatchObject({ status: 'queued' });
    });

    it('rejects every write of a failed batch and stores none of them', async () => {
      const store = openStore();
      const sut = new GroupCommit(store);
      store.transaction(() => store.insert(newEmail('taken')));

      const results = await Promise.allSettled([
        sut.run(() => store.insert(newEmail('fresh'))),
        sut.run(() => store.insert(newEmail('taken'))),
      ]);

      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(store.get('fresh', 0)).toBeUndefined();
    });
  });

  it('purges settled emails past retention or beyond the cap, and expired keys', () => {
    const sut = openStore();
    const now = Date.now();
    sut.transaction(() => {
      for (const id of ['old', 'mid', 'new', 'open']) sut.insert(newEmail(id, now));
      sut.markSettled('old', 'sent', 1, '{}', now - 10_000);
      sut.markSettled('mid', 'failed', 1, '{}', now - 2_000);
      sut.markSettled('new', 'sent', 1, '{}', now - 1_000);
      sut.putKey('k-live', { id: 'new', fingerprint: 'f' }, now + 60_000);
      sut.putKey('k-dead', { id: 'old', fingerprint: 'f' }, now - 1);
    });

    const removed = sut.purge(now - 5_000, 1, now);

    expect(removed).toBe(2);
    expect(['old', 'mid', 'new', 'open'].map((id) => sut.get(id, 0)?.id)).toEqual([
      undefined,
      undefined,
      'new',
      'open',
    ]);
    expect(sut.getKey('k-live', now)).toEqual({ id: 'new', fingerprint: 'f' });
    expect(sut.getKey('k-dead', now - 10)).toBeUndefined();
  });

  describe('a large body (its own table, schema 3)', () => {
    const body = { text: Buffer.alloc(100_000, 'x'), html: Buffer.alloc(50_000, 'y') };
    const bodies = (path: string) => {
      const raw = new DatabaseSync(path, { readOnly: true });
      try {
        return (raw.prepare('SELECT count(*) AS n FROM email_bodies').get() as { n: number }).n;
      } finally {
        raw.close();
      }
    };

    it('is not written again by an attempt or a deferral (the log grows by a few pages)', () => {
      const path = join(dir, 'spool.db');
      const sut = openStore(path);
      const now = Date.now();
      sut.transaction(() => sut.insert({ ...newEmail('big', now), octets: body }));
      const logged = () => statSync(sut.walPath).size;
      const before = logged();

      for (let attempt = 1; attempt <= 3; attempt++) {
        sut.transaction(() => sut.markSending('big', attempt, now + attempt));
        sut.transaction(() => sut.markRetry('big', attempt, now + 60_000, '{}', now + attempt));
      }

      // Six commits of a small row: a page or two each. Rewriting 150 KB would be 37+ pages each.
      const pages = (logged() - before) / 4_120;
      expect(pages).toBeLessThan(6 * 4);
      const stored = sut.payload('big')!;
      expect(Buffer.from(stored.text_octets!).equals(body.text)).toBe(true);
      expect(Buffer.from(stored.html_octets!).equals(body.html)).toBe(true);
    });

    it('is dropped when sent, kept while failed, and purged with its email', () => {
      const path = join(dir, 'spool.db');
      let sut = openStore(path);
      const now = Date.now();
      sut.transaction(() => {
        for (const id of ['sent', 'failed']) sut.insert({ ...newEmail(id, now), octets: body });
        sut.insert(newEmail('small', now));
      });
      sut.transaction(() => {
        sut.markSettled('sent', 'sent', 1, '{}', now);
        sut.markSettled('failed', 'failed', 1, '{}', now);
        sut.markSettled('small', 'sent', 1, '{}', now);
      });
      expect(sut.payload('sent')).toBeUndefined();
      expect(Buffer.from(sut.payload('failed')!.text_octets!).equals(body.text)).toBe(true);
      sut.close();
      // The spool is locked while open (one owner): counted between owners.
      expect(bodies(path)).toBe(1);

      sut = openStore(path);
      sut.purge(now + 1, 0, now);
      sut.close();
      expect(bodies(path)).toBe(0);
    });
  });
});
