import { MemoryIdempotencyStore } from './memory-idempotency-store';

const record = (id: string) => ({ id, fingerprint: `fp-${id}` });

describe(MemoryIdempotencyStore.name, () => {
  it('gives a key to its first claimant and returns that record to later ones', async () => {
    const sut = new MemoryIdempotencyStore(60_000, 10);

    expect(await sut.claim('k', record('a'))).toBeUndefined();
    expect(await sut.claim('k', record('b'))).toEqual(record('a'));
  });

  it('holds at most maxKeys keys, forgetting the oldest first', async () => {
    const sut = new MemoryIdempotencyStore(60_000, 3);
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await sut.claim(key, record(key));

    // k1 and k2 were forgotten (claimable again); the newest keys are still held.
    expect(await sut.claim('k1', record('new'))).toBeUndefined();
    expect(await sut.claim('k5', record('other'))).toEqual(record('k5'));
  });

  it('forgets keys past their TTL', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const sut = new MemoryIdempotencyStore(1_000, 100);
      await sut.claim('k', record('a'));
      jest.setSystemTime(1_001);

      expect(await sut.claim('k', record('b'))).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
