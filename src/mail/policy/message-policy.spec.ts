import { ForbiddenException, PayloadTooLargeException } from '@nestjs/common';
import { parseSecurityConfig } from '../../config/security.config';
import { decodedBase64Length, MessagePolicy } from './message-policy';

function policyWith(env: Record<string, string>): MessagePolicy {
  return new MessagePolicy(parseSecurityConfig(env));
}

describe(MessagePolicy.name, () => {
  it('allows anything when nothing is configured', () => {
    const sut = policyWith({});
    expect(() => sut.check({ from: 'x@any.example', to: ['y@any.example'] }, 'c')).not.toThrow();
  });

  it('names the refused field', () => {
    const sut = policyWith({
      ALLOWED_SENDER_DOMAINS: 'example.com',
      RECIPIENT_DOMAINS_DENY: 'bad.example',
    });
    expect(() => sut.check({ from: 'Eve <e@evil.example>', to: 'a@example.com' }, 'c')).toThrow(
      ForbiddenException,
    );
    try {
      sut.check({ to: 'a@example.com', cc: ['x@BAD.example'] }, 'c');
      throw new Error('not refused');
    } catch (err) {
      expect((err as ForbiddenException).getResponse()).toMatchObject({
        fields: [{ field: 'cc' }],
      });
    }
  });

  it('caps the decoded size of all attachments together', () => {
    const sut = policyWith({ MAX_ATTACHMENT_BYTES: '10' });
    const of = (n: number) => ({ content: Buffer.alloc(n).toString('base64') });
    expect(() => sut.check({ to: 'a@b.example', attachments: [of(5), of(5)] }, 'c')).not.toThrow();
    expect(() => sut.check({ to: 'a@b.example', attachments: [of(5), of(6)] }, 'c')).toThrow(
      PayloadTooLargeException,
    );
  });

  it('computes decoded base64 lengths exactly', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      expect(decodedBase64Length(Buffer.alloc(n).toString('base64'))).toBe(n);
    }
  });
});
