import { ParseUUIDPipe } from '@nestjs/common';
import { newEmailId } from './email-id';

describe('newEmailId', () => {
  it('is a UUID version 7 with the RFC 9562 variant', () => {
    for (let i = 0; i < 1_000; i++) {
      expect(newEmailId()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('starts with the acceptance time in milliseconds, so ids sort by time across milliseconds', () => {
    const at = Date.UTC(2026, 11, 6, 2, 30, 0, 123);
    const id = newEmailId(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(newEmailId(at) < newEmailId(at + 1)).toBe(true);
  });

  it('is unique and passes the route parameter check', async () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newEmailId(0)));
    expect(ids.size).toBe(10_000);
    const pipe = new ParseUUIDPipe({ version: '7' });
    await expect(pipe.transform(newEmailId(), { type: 'param' })).resolves.toBeDefined();
  });
});
