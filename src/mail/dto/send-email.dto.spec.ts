import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { MAX_RECIPIENTS, SendEmailDto } from './send-email.dto';

/** Validates as the global ValidationPipe does (transform, whitelist, forbid unknown). */
async function fieldsWithErrors(body: Record<string, unknown>): Promise<string[]> {
  const dto = plainToInstance(SendEmailDto, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  return errors.map((e) => e.property).sort();
}

const valid = { to: 'alice@example.com', subject: 'Hello', text: 'Body' };

describe(SendEmailDto.name, () => {
  it('accepts a minimal email and turns a single address into a list', async () => {
    expect(await fieldsWithErrors(valid)).toEqual([]);
    expect(plainToInstance(SendEmailDto, valid).to).toEqual(['alice@example.com']);
  });

  it('accepts html instead of text, display names, cc, bcc and replyTo', async () => {
    expect(
      await fieldsWithErrors({
        to: ['Alice <alice@example.com>', 'bob@example.com'],
        cc: 'carol@example.com',
        bcc: ['dave@example.com'],
        replyTo: 'support@example.com',
        from: 'Billing <billing@example.com>',
        subject: 'Hi',
        html: '<p>x</p>',
      }),
    ).toEqual([]);
  });

  it.each([
    ['to missing', { subject: 'x', text: 'y' }, ['to']],
    ['to empty', { ...valid, to: [] }, ['to']],
    ['to not an address', { ...valid, to: 'alice' }, ['to']],
    ['to a number', { ...valid, to: 42 }, ['to']],
    ['subject missing', { to: 'a@example.com', text: 'y' }, ['subject']],
    ['subject empty', { ...valid, subject: '' }, ['subject']],
    ['subject with CRLF', { ...valid, subject: 'a\r\nBcc: x@example.com' }, ['subject']],
    ['subject too long', { ...valid, subject: 'x'.repeat(999) }, ['subject']],
    ['neither text nor html', { to: 'a@example.com', subject: 'x' }, ['html', 'text']],
    ['text not a string', { ...valid, text: 1 }, ['text']],
    ['from with LF in the display name', { ...valid, from: 'A\nB <a@example.com>' }, ['from']],
    ['replyTo invalid', { ...valid, replyTo: 'nope' }, ['replyTo']],
    ['unknown field', { ...valid, headers: { 'X-A': '1' } }, ['headers']],
  ])('rejects %s', async (_name, body, fields) => {
    expect(await fieldsWithErrors(body)).toEqual(fields);
  });

  it(`limits to, cc and bcc to ${MAX_RECIPIENTS} recipients together`, async () => {
    const list = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
    expect(await fieldsWithErrors({ ...valid, to: list('t', 30), cc: list('c', 20) })).toEqual([]);
    expect(
      await fieldsWithErrors({ ...valid, to: list('t', 30), cc: list('c', 20), bcc: list('b', 1) }),
    ).toEqual(['to']);
  });
});
