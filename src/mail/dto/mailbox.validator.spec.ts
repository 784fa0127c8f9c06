import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressOf, isAddress, isDisplayName, isMailbox } from './mailbox.validator';

interface IsEmailCase {
  id: number;
  address: string;
  category: string;
  diagnosis: string;
}

const dataSet = JSON.parse(
  readFileSync(join(__dirname, '../../../test/fixtures/isemail-tests.json'), 'utf8'),
) as { license: string; tests: IsEmailCase[] };

const byCategory = (...categories: string[]) =>
  dataSet.tests.filter((t) => categories.includes(t.category));

/**
 * Valid per isemail, refused by our policy (README, "Addresses"): a dotless domain, a
 * one-letter TLD, a hyphenated TLD, and a 251-character domain ending in a one-letter TLD.
 * Listed by id so that any change to the policy shows up here.
 */
const POLICY_EXCEPTIONS = [5, 13, 33, 37];

describe('isAddress (isemail data set)', () => {
  it('keeps the BSD notice of the data set', () => {
    expect(dataSet.license).toMatch(/BSD 3-Clause/);
    expect(dataSet.tests).toHaveLength(164);
  });

  it('rejects every one of the 66 ISEMAIL_ERR cases', () => {
    const errors = byCategory('ISEMAIL_ERR');
    expect(errors).toHaveLength(66);
    expect(errors.filter((t) => isAddress(t.address)).map((t) => t.id)).toEqual([]);
    expect(errors.filter((t) => isMailbox(t.address)).map((t) => t.id)).toEqual([]);
  });

  it('accepts the valid and DNS-warning cases except exactly the documented policy exceptions', () => {
    const valid = byCategory('ISEMAIL_VALID_CATEGORY', 'ISEMAIL_DNSWARN');
    expect(valid).toHaveLength(22);
    expect(valid.filter((t) => !isAddress(t.address)).map((t) => t.id)).toEqual(POLICY_EXCEPTIONS);
  });

  it('rejects quoted strings, address literals and comments (policy)', () => {
    const legalOnlyInSomeRfc = byCategory('ISEMAIL_RFC5322', 'ISEMAIL_CFWS');
    const quotedOrLiteral = legalOnlyInSomeRfc.filter((t) => /["[(]/.test(t.address));
    expect(quotedOrLiteral.length).toBeGreaterThan(20);
    expect(quotedOrLiteral.filter((t) => isAddress(t.address)).map((t) => t.id)).toEqual([]);
  });
});

describe('isMailbox', () => {
  it.each([
    'user@example.com',
    'Jane Doe <jane@example.com>',
    '"Doe, John" <john@example.com>',
    '"Say \\"hi\\"" <hi@example.com>',
    'J. Smith <j@example.com>',
    'user@bücher.de',
    'Ünïcødé Name <ü@bücher.de>',
  ])('accepts %j', (value) => {
    expect(isMailbox(value)).toBe(true);
  });

  it.each([
    'Eve, victim@example.org <eve@example.com>',
    'Eve <eve@example.com>, victim@example.org',
    'a@example.com, b@example.com',
    'Eve\r\nBcc: v@example.org <eve@example.com>',
    '"Eve\n" <eve@example.com>',
    'Eve\u0000 <eve@example.com>',
    'Eve\u2028 <eve@example.com>',
    'eve@example.com\r\n',
    'Eve <eve@example.com',
    '<a@b.com> <eve@example.com>',
    'Eve; x <eve@example.com>',
    '"unterminated <eve@example.com>',
    `${'n'.repeat(201)} <a@example.com>`,
    '',
  ])('rejects %j', (value) => {
    expect(isMailbox(value)).toBe(false);
  });

  it('rejects non-strings', () => {
    for (const value of [null, undefined, 1, {}, ['a@example.com']]) {
      expect(isMailbox(value)).toBe(false);
    }
  });
});

describe('isDisplayName', () => {
  it('allows 200 characters and no more', () => {
    expect(isDisplayName('n'.repeat(200))).toBe(true);
    expect(isDisplayName('n'.repeat(201))).toBe(false);
  });
});

describe('addressOf', () => {
  it('returns the bare address of either form', () => {
    expect(addressOf('Jane <jane@example.com>')).toBe('jane@example.com');
    expect(addressOf('jane@example.com')).toBe('jane@example.com');
  });
});
