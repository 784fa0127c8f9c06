import { MemoryRecipientOutcomeStore } from './memory-recipient-outcome-store';
import type { RecipientOutcome } from './recipient-outcomes';
import type { RecipientOutcomeStore } from './recipient-outcome-store';
import { SqliteRecipientOutcomeStore } from './sqlite-recipient-outcome-store';

const hard = (address: string): RecipientOutcome => ({
  address,
  outcome: 'bounced',
  type: 'hard',
  status: '5.1.1',
  reportedAt: '2026-12-05T12:00:00.000Z',
});
const soft = (address: string): RecipientOutcome => ({
  address,
  outcome: 'deferred',
  type: 'soft',
  status: '4.4.1',
  reportedAt: '2026-12-05T12:01:00.000Z',
});

const stores: Array<[string, () => RecipientOutcomeStore]> = [
  ['memory', () => new MemoryRecipientOutcomeStore(10)],
  ['sqlite', () => new SqliteRecipientOutcomeStore(':memory:', 60_000)],
];

describe.each(stores)('RecipientOutcomeStore (%s)', (_name, create) => {
  it('keeps report order per address; soft never replaces hard, hard replaces soft', async () => {
    const sut = create();
    await sut.record('e1', soft('b@example.org'), 1);
    await sut.record('e1', hard('a@example.org'), 2);
    await sut.record('e1', soft('a@example.org'), 3);
    await sut.record('e1', hard('b@example.org'), 4);
    await sut.record('e2', soft('c@example.org'), 5);

    expect(await sut.list('e1')).toEqual([hard('b@example.org'), hard('a@example.org')]);
    expect(await sut.list('e2')).toEqual([soft('c@example.org')]);
    expect(await sut.list('unknown')).toEqual([]);
    sut.close?.();
  });
});

describe(SqliteRecipientOutcomeStore.name, () => {
  it('forgets outcomes reported longer than the retention ago', async () => {
    const sut = new SqliteRecipientOutcomeStore(':memory:', 1_000);
    await sut.record('old', hard('a@example.org'), 100_000);
    await sut.record('new', hard('b@example.org'), 200_000);
    expect(await sut.list('old')).toEqual([]);
    expect(await sut.list('new')).toEqual([hard('b@example.org')]);
    sut.close();
  });
});
