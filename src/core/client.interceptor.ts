import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { resolveClient, type RequestWithCaller } from './client-identity';

/**
 * Global: identifies the caller (API key, else X-Client-ID, else `unknown`) and starts the
 * email clock when a request reaches the handler chain. Requests refused earlier (body
 * parser, auth, rate limit) never get here, so they are never counted as emails; validation
 * failures get here but never reach a queue, which is where emails are counted.
 * It adds no rxjs operators of its own, but having any global interceptor makes Nest run its
 * rxjs interceptor chain on every route: measured at ~0.23 ms of CPU per request (about 16 %
 * of a POST /send-email, docs/benchmarks.md). It stays because the interceptor is the
 * documented extension point for per-request email instrumentation; @Caller() works without it.
 */
@Injectable()
export class ClientInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = {
      client: resolveClient(request),
      startedAt: performance.now(),
      requestId: request.id,
    };
    return next.handle();
  }
}
