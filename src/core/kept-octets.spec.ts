import { carryOctets, keepOctets, keptOctets } from './kept-octets';

describe('kept octets', () => {
  const body = () => {
    const text = 'hé'.repeat(10);
    const owner: Record<string, unknown> = { to: 'ada@example.com', text };
    const octets = Buffer.from(text);
    keepOctets(owner, 'text', text, octets);
    return { owner, text, octets };
  };

  it('finds the octets of the very string they were kept for, and of an equal one', () => {
    const { owner, text, octets } = body();
    expect(keptOctets(owner, 'text', text)).toBe(octets);
    expect(keptOctets(owner, 'text', 'hé'.repeat(5) + 'hé'.repeat(5))).toBe(octets);
    expect(keptOctets(owner, 'text', `${text}!`)).toBeUndefined();
    expect(keptOctets(owner, 'html', text)).toBeUndefined();
    expect(keptOctets({ text }, 'text', text)).toBeUndefined();
  });

  it('stays out of sight: JSON, keys, spreads and Object.assign neither show nor copy it', () => {
    const { owner, text } = body();
    expect(JSON.stringify(owner)).toBe(JSON.stringify({ to: 'ada@example.com', text }));
    expect(Object.keys(owner)).toEqual(['to', 'text']);
    expect(keptOctets({ ...owner }, 'text', text)).toBeUndefined();
    expect(keptOctets(Object.assign({}, owner), 'text', text)).toBeUndefined();
    expect({ ...owner }).toStrictEqual({ to: 'ada@example.com', text });
  });

  it('is shared with an object made from the owner, without replacing what that one keeps', () => {
    const { owner, text, octets } = body();
    const dto = { ...owner };
    carryOctets(owner, dto);
    expect(keptOctets(dto, 'text', text)).toBe(octets);
    keepOctets(owner, 'html', '<p>x</p>', Buffer.from('<p>x</p>'));
    expect(keptOctets(dto, 'html', '<p>x</p>')?.toString()).toBe('<p>x</p>');

    const other = body();
    carryOctets(other.owner, dto);
    expect(keptOctets(dto, 'text', text)).toBe(octets);
    carryOctets(null, dto);
    carryOctets('text', dto);
  });

  it('keeps nothing for an owner that cannot take a property, and does not throw', () => {
    const text = 'x'.repeat(20);
    const frozen = Object.freeze({ text });
    expect(() => keepOctets(frozen, 'text', text, Buffer.from(text))).not.toThrow();
    expect(keptOctets(frozen, 'text', text)).toBeUndefined();
    const target = Object.preventExtensions({ text });
    const { owner } = body();
    expect(() => carryOctets(owner, target)).not.toThrow();
    expect(keptOctets(target, 'text', text)).toBeUndefined();
  });
});
