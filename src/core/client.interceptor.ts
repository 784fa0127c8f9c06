import { Injectable, type ExecutionContext } from '@nestjs/common';
import { resolveClient, type RequestWithCaller } from './client-identity';
import { PassThroughInterceptor } from './pass-through-interceptors';

/**
 * Global: identifies the caller (API key, else X-Client-ID, else `unknown`) and starts the
 * email clock when a request reaches the handler chain. Requests refused earlier (body
 * parser, auth, rate limit) never get here, so they are never counted as emails; validation
 * failures get here but never reach a queue, which is where emails are counted.
 * It is the documented extension point for per-request email instrumentation, so it stays
 * global; as a PassThroughInterceptor it runs without Nest's rxjs chain (CoreModule).
 */
@Injectable()
export class ClientInterceptor extends PassThroughInterceptor {
  before(context: ExecutionContext): void {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = {
      client: resolveClient(request),
      startedAt: performance.now(),
      requestId: request.id,
      operator: request.operator === true,
    };
  }
}
