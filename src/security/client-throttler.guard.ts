import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
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

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }
}
