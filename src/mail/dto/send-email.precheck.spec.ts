import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import fc from 'fast-check';
import { createValidationPipe, DtoValidationPipe } from '../../core/validation';
import { SendEmailDto } from './send-email.dto';

const BODY: ArgumentMetadata = { type: 'body', metatype: SendEmailDto, data: '' };

/** The same pipe without the fast lane: what every answer must equal. */
class ClassValidatorOnly extends ValidationPipe {}
function reference(): ValidationPipe {
  const fast = createValidationPipe();
  const slow = new ClassValidatorOnly();
  Object.assign(slow, fast);
  return slow;
}

async function outcome(pipe: ValidationPipe, body: unknown) {
  try {
    const value = await pipe.transform(structuredClone(body), BODY);
    return { ok: true, proto: Object.getPrototypeOf(value) as unknown, value };
  } catch (err) {
    return { ok: false, error: (err as { getResponse(): unknown }).getResponse() };
  }
}

const address = fc.oneof(
  fc.constantFrom(
    'a@example.com',
    'Name <n@example.net>',
    'user@bücher.de',
    '"Doe, John" <j@example.com>',
  ),
  fc.constantFrom(
    'a@io',
    'Eve, v@example.org <e@example.com>',
    'x\u0000y@example.com',
    '',
    'a@b@c.com',
  ),
  fc.string({ maxLength: 20 }),
);
const addresses = fc.oneof(
  address,
  fc.array(address, { maxLength: 4 }),
  fc.array(fc.constant('m@example.com'), { minLength: 48, maxLength: 52 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    'a\r\nb',
    '\u2028',
    'x'.repeat(998),
    'x'.repeat(999),
    '😀'.repeat(499),
    'y'.repeat(512 * 1024 + 1),
  ),
);
const anyValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);
const body = fc.record(
  {
    to: fc.oneof(addresses, anyValue),
    cc: fc.oneof(addresses, anyValue),
    bcc: addresses,
    from: fc.oneof(address, anyValue),
    replyTo: address,
    subject: fc.oneof(text, anyValue),
    text: fc.oneof(text, anyValue),
    html: text,
    template: fc.constantFrom('welcome', 'bad name'),
    headers: fc.constant({ 'X-Evil': '1' }),
  },
  { requiredKeys: [] },
);
const common = fc.record(
  {
    to: fc.oneof(
      fc.constantFrom('a@example.com', 'a@io', ['a@example.com', 'B <b@example.org>']),
      fc.array(fc.constant('m@example.com'), { minLength: 48, maxLength: 51 }),
    ),
    cc: fc.constantFrom('c@example.com', ['c@example.com', 'd@example.com']),
    from: fc.constantFrom('Sender <s@example.com>', 'Eve, v@example.org <e@example.com>'),
    subject: fc.constantFrom('Hi', 'x'.repeat(998), 'x'.repeat(999), 'a\nb', ''),
    text: fc.constantFrom('hello', '', 'y'.repeat(512 * 1024 + 1)),
    html: fc.constantFrom('<p>hi</p>', 'y'.repeat(512 * 1024 + 1)),
  },
  { requiredKeys: ['to', 'subject'] },
);

describe('SendEmailDto.precheck (the global pipe fast lane)', () => {
  const fast = createValidationPipe();
  const slow = reference();

  it('is the fast lane of the global pipe', () => {
    expect(fast).toBeInstanceOf(DtoValidationPipe);
    expect(slow).not.toBeInstanceOf(DtoValidationPipe);
  });

  it('gives exactly what class-validator gives, for any body (values, errors and messages)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, common), async (b) => {
        const [mine, theirs] = await Promise.all([outcome(fast, b), outcome(slow, b)]);
        expect(mine).toEqual(theirs);
        if (SendEmailDto.precheck(b)) expect(theirs.ok).toBe(true);
      }),
      { seed: 20_261_130, numRuns: 3000 },
    );
  });

  it('takes the common shape without class-validator, and leaves the rest to it', () => {
    expect(SendEmailDto.precheck({ to: 'a@example.com', subject: 'Hi', text: 'x' })).toBe(true);
    expect(
      SendEmailDto.precheck({
        to: ['a@example.com'],
        cc: 'b@example.com',
        subject: 'Hi',
        html: '<p/>',
      }),
    ).toBe(true);
    for (const other of [
      { to: 'a@example.com', subject: 'Hi' },
      { to: 'a@example.com', subject: 'Hi', text: 'x', template: 'welcome' },
      { to: 'a@example.com', subject: 'Hi', text: 'x', cc: null },
      { to: [], subject: 'Hi', text: 'x' },
      { to: 'a@io', subject: 'Hi', text: 'x' },
      { to: 'a@example.com', subject: 'a\nb', text: 'x' },
      Object.assign(Object.create({ inherited: 1 }) as object, {
        to: 'a@example.com',
        subject: 'Hi',
        text: 'x',
      }),
      [{ to: 'a@example.com', subject: 'Hi', text: 'x' }],
      'a@example.com',
    ]) {
      expect(SendEmailDto.precheck(other)).toBe(false);
    }
  });
});
