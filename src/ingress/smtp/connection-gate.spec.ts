import { ConnectionGate } from './connection-gate';

describe(ConnectionGate.name, () => {
  it('refuses past the per-address limit, then past the total; a release frees a slot', () => {
    const sut = new ConnectionGate(3, 2);
    expect(sut.admit('a1', '10.0.0.1')).toBeUndefined();
    expect(sut.admit('a2', '10.0.0.1')).toBeUndefined();
    expect(sut.admit('a3', '10.0.0.1')).toBe('max_per_ip');
    expect(sut.admit('b1', '10.0.0.2')).toBeUndefined();
    expect(sut.admit('c1', '10.0.0.3')).toBe('max_connections');
    sut.release('a3', '10.0.0.1'); // refused: not counted, nothing to free
    expect(sut.size).toBe(3);
    sut.release('a1', '10.0.0.1');
    expect(sut.admit('c1', '10.0.0.3')).toBeUndefined();
    expect(sut.admit('a4', '10.0.0.1')).toBe('max_connections');
  });
});
