import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ingressConfig, type IngressConfig } from '../../config/ingress.config';

/** 16 hex digits (64 bits) of HMAC-SHA256: a forger needs ~2^63 guesses per email. */
const TOKEN_HEX = 16;
/** `bounce+<email id>.<token>@`: lower case, so relays that fold local parts keep it intact. */
const LOCAL_PART = /^bounce\+([a-z0-9-]{1,64})\.([0-9a-f]{16})$/;

/** What a bounce address says about itself. */
export type ReturnPathMatch =
  { kind: 'valid'; emailId: string } | { kind: 'forged' } | { kind: 'foreign' };

/**
 * Per-email return paths (VERP, README "Bounces"): `bounce+<emailId>.<hmac>@BOUNCE_DOMAIN`,
 * so a bounce names the email it belongs to and nobody without BOUNCE_SECRET can make one
 * that does. Disabled (every method a no-op) when BOUNCE_DOMAIN is unset.
 */
@Injectable()
export class ReturnPaths {
  constructor(@Inject(ingressConfig.KEY) private readonly config: IngressConfig) {}

  get domain(): string | undefined {
    return this.config.bounceDomain;
  }

  /** The envelope sender for `emailId`, or undefined when bounces are not configured. */
  for(emailId: string): string | undefined {
    const domain = this.config.bounceDomain;
    if (domain === undefined) return undefined;
    return `bounce+${emailId}.${this.token(emailId)}@${domain}`;
  }

  /** Whether `address` is at the bounce domain, and if so whether its token is ours. */
  parse(address: string): ReturnPathMatch {
    const domain = this.config.bounceDomain;
    const at = address.lastIndexOf('@');
    if (domain === undefined || at < 0 || address.slice(at + 1).toLowerCase() !== domain) {
      return { kind: 'foreign' };
    }
    const match = LOCAL_PART.exec(address.slice(0, at).toLowerCase());
    if (!match) return { kind: 'forged' };
    const expected = Buffer.from(this.token(match[1]));
    const given = Buffer.from(match[2]);
    return timingSafeEqual(expected, given)
      ? { kind: 'valid', emailId: match[1] }
      : { kind: 'forged' };
  }

  private token(emailId: string): string {
    return createHmac('sha256', this.config.bounceSecret ?? '')
      .update(emailId)
      .digest('hex')
      .slice(0, TOKEN_HEX);
  }
}
