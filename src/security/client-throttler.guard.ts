import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../core/error-body';
import { resolveClient, type RequestWithCaller } from '../core/client-identity';
import { UNGUARDED_ROUTES } from './security.constants';

/**
 * Global rate limit per client (the API key's client, else X-Client-ID), shared by all
 * routes rather than per handler. Runs after ApiKeyGuard, so a key's client is known.
 * Probes and /metrics are never limited; a limit of 0 turns the guard off.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  /** Fixed once the throttlers are known (onModuleInit): not worked out per request. */
  private disabled?: boolean;

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    this.disabled ??= this.throttlers.every((t) => t.limit === 0);
    if (this.disabled) return Promise.resolve(true);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return Promise.resolve(UNGUARDED_ROUTES.has(request.routeOptions?.url ?? ''));
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(resolveClient(request as unknown as RequestWithCaller));
  }

  /** The common error body with code rate_limited; Retry-After is set by the guard already. */
  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    throw new ApiError(
      429,
      'rate_limited',
      `rate limit of ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s reached for this client; retry in ${seconds} s`,
    );
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }
}
