import fc from 'fast-check';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { tempDir } from '../../../../../test/support/spool-kit';
import { keptOctets } from '../../../../core/kept-octets';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import { LARGE_BODY } from '../../../transport/body-octets';
import { emailOf, payloadOf } from './spool-payload';
import { SCHEMA_VERSION } from './spool-schema';
import { SpoolStore } from './spool-store';

describe('payloadOf / emailOf', () => {
  let dir: string;
  let remove: () => void;
  let store: SpoolStore;
  beforeAll(() => {
    ({ dir, remove } = tempDir());
    store = SpoolStore.open({ path: join(dir, 'spool.db'), synchronous: 'normal' });
  });
  afterAll(() => {
    store.close();
    remove();
  });

  const piece = fc.constantFrom(
    'a',
    '"',
    '\\',
    '\n',
    '\r',
    '\t',
    '\0',
    '\u001f',
    'é',
    '€',
    '😀',
    '\u2028',
    '</p>',
    '\ud800',
    '\ufffd',
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.array(piece, { maxLength: 30 }).map((p) => p.join('')),
    fc.array(piece, { maxLength: 30 }).map((p) => 'x'.repeat(LARGE_BODY) + p.join('')),
  );
  let id = 0;
  const roundTrip = (email: OutgoingEmail) => {
    const { json, octets } = payloadOf(email);
    const key = String(++id);
    const now = Date.now();
    store.transaction(() =>
      store.insert({
        id: key,
        client: 'c',
        payload: json,
        octets,
        metadata: '{}',
        acceptedAt: now,
        now,
      }),
    );
    return emailOf(store.payload(key)!);
  };

  it('reads back the email JSON.stringify would have stored', () => {
    fc.assert(
      fc.property(body, body, fc.boolean(), (text, html, cc) => {
        const email: OutgoingEmail = {
          from: 'Zoë <a@example.com>',
          to: ['b@example.com'],
          ...(cc ? { cc: ['c@example.com'] } : {}),
          subject: 'sü"bject',
          ...(text === undefined ? {} : { text }),
          ...(html === undefined ? {} : { html }),
          headers: { 'In-Reply-To': '<x@example.com>' },
        };
        expect(roundTrip(email)).toEqual(JSON.parse(JSON.stringify(email)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a large body out of the JSON, as octets that go on to the engine', () => {
    const email = { from: 'a@example.com', to: ['b@example.com'], subject: 's' };
    const html = 'é'.repeat(LARGE_BODY);
    const { json, octets } = payloadOf({ ...email, html });
    expect(JSON.parse(json)).toEqual(email);
    expect(Buffer.from(octets!.html!).toString('utf8')).toBe(html);
    expect(payloadOf({ ...email, html: 'é' }).octets).toBeUndefined();
    const read = roundTrip({ ...email, html });
    expect(keptOctets(read, 'html', read.html!)?.toString('utf8')).toBe(html);
  });

  it('reads a row a schema-1 spool wrote (body in the JSON) after the upgrade', () => {
    const path = join(dir, 'old.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE spool_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE emails (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, client TEXT NOT NULL,
        payload TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER, outcome TEXT, metadata TEXT, accepted_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, settled_at INTEGER) STRICT;
      INSERT INTO spool_meta VALUES ('schema_version', '1');`);
    const email = {
      from: 'a@example.com',
      to: ['b@example.com'],
      subject: 's',
      text: 'ü'.repeat(LARGE_BODY),
    };
    old
      .prepare(
        `INSERT INTO emails (id, client, payload, status, accepted_at, created_at, updated_at)
        VALUES ('old', 'c', ?, 'queued', 1, 1, 1)`,
      )
      .run(JSON.stringify(email));
    old.close();
    const upgraded = SpoolStore.open({ path, synchronous: 'normal' });
    try {
      expect(emailOf(upgraded.payload('old')!)).toEqual(email);
      const now = Date.now();
      const { json, octets } = payloadOf({ ...email });
      upgraded.transaction(() =>
        upgraded.insert({
          id: 'new',
          client: 'c',
          payload: json,
          octets,
          metadata: '{}',
          acceptedAt: now,
          now,
        }),
      );
      expect(emailOf(upgraded.payload('new')!)).toEqual(email);
    } finally {
      upgraded.close();
    }
    const meta = new DatabaseSync(path);
    expect(meta.prepare(`SELECT value FROM spool_meta WHERE key = 'schema_version'`).get()).toEqual(
      { value: String(SCHEMA_VERSION) },
    );
    meta.close();
  });

  it('reads a row a schema-2 spool wrote (octets in the email row), and drops them once sent', () => {
    const path = join(dir, 'v2.db');
    const email = { from: 'a@example.com', to: ['b@example.com'], subject: 's' };
    const html = 'ü'.repeat(LARGE_BODY);
    SpoolStore.open({ path, synchronous: 'normal' }).close();
    const v2 = new DatabaseSync(path);
    // What schema 2's insert wrote: the large body in the email row's own column.
    v2.prepare(
      `INSERT INTO emails (id, client, payload, status, accepted_at, created_at, updated_at,
        html_octets) VALUES ('v2', 'c', ?, 'queued', 1, 1, 1, ?)`,
    ).run(JSON.stringify(email), Buffer.from(html, 'utf8'));
    v2.exec(`UPDATE spool_meta SET value = '2' WHERE key = 'schema_version'`);
    v2.close();
    const upgraded = SpoolStore.open({ path, synchronous: 'normal' });
    try {
      expect(emailOf(upgraded.payload('v2')!)).toEqual({ ...email, html });
      upgraded.transaction(() => upgraded.markSettled('v2', 'sent', 1, '{}', Date.now()));
      expect(upgraded.payload('v2')).toBeUndefined();
    } finally {
      upgraded.close();
    }
    const raw = new DatabaseSync(path);
    expect(raw.prepare(`SELECT html_octets FROM emails WHERE id = 'v2'`).get()).toEqual({
      html_octets: null,
    });
    raw.close();
  });
});
