import { parseIngressConfig } from '../../config/ingress.config';
import { ReturnPaths } from './return-paths';

describe(ReturnPaths.name, () => {
  const secret = 's'.repeat(40);
  const sut = new ReturnPaths(
    parseIngressConfig({ BOUNCE_DOMAIN: 'Bounces.Example.com', BOUNCE_SECRET: secret }),
  );
  const id = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';

  it('signs the email id into a lower-case VERP address at the bounce domain', () => {
    expect(sut.for(id)).toMatch(
      new RegExp(`^bounce\\+${id}\\.[0-9a-f]{16}@bounces\\.example\\.com$`),
    );
  });

  it('reads its own addresses back, also upper-cased by a relay', () => {
    expect(sut.parse(sut.for(id)!)).toEqual({ kind: 'valid', emailId: id });
    expect(sut.parse(sut.for(id)!.toUpperCase())).toEqual({ kind: 'valid', emailId: id });
  });

  it('calls a wrong token, another id under a valid token, or no token forged', () => {
    const valid = sut.for(id)!;
    const token = /\.([0-9a-f]{16})@/.exec(valid)![1];
    const flipped = token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(sut.parse(valid.replace(token, flipped))).toEqual({ kind: 'forged' });
    expect(sut.parse(valid.replace(id, id.replace(/^3/, '4')))).toEqual({ kind: 'forged' });
    expect(sut.parse('bounce@bounces.example.com')).toEqual({ kind: 'forged' });
    expect(sut.parse('postmaster@bounces.example.com')).toEqual({ kind: 'forged' });
  });

  it('does not claim addresses of other domains, and is off without BOUNCE_DOMAIN', () => {
    expect(sut.parse(`bounce+${id}.0123456789abcdef@example.com`)).toEqual({ kind: 'foreign' });
    const off = new ReturnPaths(parseIngressConfig({}));
    expect(off.for(id)).toBeUndefined();
    expect(off.parse(sut.for(id)!)).toEqual({ kind: 'foreign' });
  });

  it('refuses BOUNCE_DOMAIN without a long enough BOUNCE_SECRET', () => {
    expect(() =>
      parseIngressConfig({ BOUNCE_DOMAIN: 'b.example.com', BOUNCE_SECRET: 'short' }),
    ).toThrow(/BOUNCE_SECRET must be at least 32 characters/);
  });
});
