import { holdPayload, idlePayloads, payloadBuffer, releasePayload } from './payload-pool';

describe('payload pool', () => {
  it('leaves small and huge payloads to the allocator', () => {
    for (const size of [10, 32 * 1024 - 1, 1024 * 1024 + 1]) {
      const payload = payloadBuffer(size);
      expect(payload.length).toBe(size);
      expect(holdPayload(payload)).toBeUndefined();
      releasePayload(payload);
    }
    expect(holdPayload('MAIL FROM:<a@example.com>\r\n')).toBeUndefined();
  });

  it('reuses a buffer only once the engine and every write have let it go', () => {
    const first = payloadBuffer(100_000);
    first.fill(0x61);
    const letGo = holdPayload(first) as () => void;
    releasePayload(first);
    // Still being written: a new payload of the same size must not share its octets.
    const second = payloadBuffer(100_000);
    second.fill(0x62);
    expect(first.every((octet) => octet === 0x61)).toBe(true);
    expect(second.buffer).not.toBe(first.buffer);

    letGo();
    letGo(); // once only
    const third = payloadBuffer(90_000);
    expect(third.buffer).toBe(first.buffer);
    expect(third.length).toBe(90_000);
    releasePayload(second);
    releasePayload(third);
  });

  it('refuses to hold a payload whose lease has ended: it may be another message by now', () => {
    const payload = payloadBuffer(64 * 1024);
    releasePayload(payload);
    expect(holdPayload(payload)).toBe(false);
    const again = payloadBuffer(64 * 1024);
    expect(again.buffer).toBe(payload.buffer);
    expect(holdPayload(payload)).toBe(false);
    const hold = holdPayload(again);
    expect(typeof hold).toBe('function');
    (hold as () => void)();
    releasePayload(again);
    releasePayload(again); // a second release changes nothing
    expect(holdPayload(again)).toBe(false);
  });

  it('keeps at most its idle budget', () => {
    const payloads = Array.from({ length: 40 }, () => payloadBuffer(1000 * 1000));
    payloads.forEach((p) => releasePayload(p));
    const { buffers, bytes } = idlePayloads();
    expect(bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(buffers).toBeGreaterThan(0);
    expect(buffers).toBeLessThan(40);
  });
});
