import fc from 'fast-check';
import { DatabaseSync } from 'node:sqlite';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import { LARGE_BODY } from '../../../transport/body-octets';
import { payloadOf } from './spool-payload';
import { STATEMENTS } from './spool-schema';

describe('payloadOf', () => {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE emails (id TEXT, payload TEXT) STRICT');
  const insert = db.prepare('INSERT INTO emails (id, payload) VALUES (?, CAST(? AS TEXT))');
  const read = db.prepare('SELECT payload FROM emails WHERE id = ?');
  afterAll(() => db.close());

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

  it('stores JSON that reads back as JSON.stringify would', () => {
    let id = 0;
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
        const payload = payloadOf(email);
        if (typeof payload === 'string') expect(payload).toBe(JSON.stringify(email));
        insert.run(String(++id), payload);
        const stored = (read.get(String(id)) as { payload: string }).payload;
        expect(JSON.parse(stored)).toEqual(JSON.parse(JSON.stringify(email)));
      }),
      { numRuns: 400 },
    );
  });

  it('writes a large body as octets, which the INSERT stores as the TEXT they encode', () => {
    expect(STATEMENTS.insert).toContain('CAST(? AS TEXT)');
    const email = { from: 'a@example.com', to: ['b@example.com'], subject: 's' };
    expect(Buffer.isBuffer(payloadOf({ ...email, html: 'é'.repeat(LARGE_BODY) }))).toBe(true);
    expect(typeof payloadOf({ ...email, html: 'é' })).toBe('string');
  });
});
