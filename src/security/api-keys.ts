import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { securityConfig, sha256, type SecurityConfig } from '../config/security.config';

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * The configured API keys, held as SHA-256 digests. A presented key is hashed and compared
 * with every entry in constant time, so neither the content nor the length of a key, nor
 * which entry matched, shows in the timing.
 */
@Injectable()
export class ApiKeys {
  constructor(@Inject(securityConfig.KEY) private readonly config: SecurityConfig) {}

  /** Whether keys are configured at all (otherwise: dev mode, X-Client-ID is trusted). */
  get enabled(): boolean {
    return this.config.apiKeys.length > 0;
  }

  /** Whether `client` has operator scope (OPERATOR_CLIENTS). */
  isOperator(client: string): boolean {
    return this.config.operatorClients.has(client);
  }

  /** The client of an `Authorization: Bearer <key>` header, or undefined. */
  clientForAuthorization(header: string | undefined): string | undefined {
    const match = BEARER.exec(header ?? '');
    return match ? this.clientFor(match[1]) : undefined;
  }

  /** The client a key belongs to, or undefined. */
  clientFor(presented: string): string | undefined {
    const digest = sha256(presented);
    let client: string | undefined;
    for (const entry of this.config.apiKeys) {
      if (timingSafeEqual(digest, entry.sha256) && client === undefined) client = entry.client;
    }
    return client;
  }
}
