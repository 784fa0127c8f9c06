import { BadRequestException } from '@nestjs/common';
import { IdempotencyKeyPipe } from './idempotency-key.pipe';

describe(IdempotencyKeyPipe.name, () => {
  const sut = new IdempotencyKeyPipe();

  it.each([undefined, 'a', 'k'.repeat(255)])('accepts %j', (key) => {
    expect(sut.transform(key)).toBe(key);
  });

  it.each(['', 'k'.repeat(256)])('refuses a key of %j characters with 400', (key) => {
    expect(() => sut.transform(key)).toThrow(BadRequestException);
    expect(() => sut.transform(key)).toThrow('Idempotency-Key must be 1 to 255 characters');
  });
});
