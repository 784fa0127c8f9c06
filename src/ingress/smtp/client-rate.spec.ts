import { ClientRate } from './client-rate';

describe(ClientRate.name, () => {
  it('allows perMinute messages per client in any 60 s, then refuses until the oldest ages out', () => {
    const sut = new ClientRate(2);
    expect(sut.take('a', 0)).toBe(true);
    expect(sut.take('a', 30_000)).toBe(true);
    expect(sut.take('a', 59_999)).toBe(false);
    expect(sut.take('b', 59_999)).toBe(true);
    expect(sut.take('a', 60_000)).toBe(true);
    expect(sut.take('a', 60_001)).toBe(false);
  });

  it('is off at 0', () => {
    const sut = new ClientRate(0);
    for (let i = 0; i < 1000; i++) expect(sut.take('a', i)).toBe(true);
  });
});
