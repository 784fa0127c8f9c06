import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
// Not re-exported from @nestjs/core's index; present in Nest 10 and 11. If a later Nest moves
// it, installPassThroughFastPath() reports that and Nest's own (slower) chain keeps working.
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer';
import type { Observable } from 'rxjs';

/**
 * An interceptor that only looks at the request before the handler runs and never touches
 * the handler's result: `intercept()` must be exactly `this.before(context); return
 * next.handle();`. Such interceptors can run without Nest's rxjs chain (see below).
 */
export abstract class PassThroughInterceptor implements NestInterceptor {
  abstract before(context: ExecutionContext): void;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.before(context);
    return next.handle();
  }
}

type Intercept = InterceptorsConsumer['intercept'];
let installed = false;

/**
 * With any interceptor on a route, Nest 11 runs, per request: `defer` + `mergeAll` per
 * interceptor, two `AsyncResource.bind()` wrappers, an Observable around the handler's
 * promise, `from()` + `lastValueFrom()`, a ReplaySubject and a `switchMap`/`takeUntil`
 * client-disconnect watcher with its `close` listeners — about a sixth of a POST
 * /send-email's CPU (docs/benchmarks.md, "Hot path"). When every interceptor of a route is
 * a PassThroughInterceptor, the result is the handler's own promise, so this calls their
 * `before()` in order and then the handler, in the same async context (AsyncLocalStorage
 * stores stay those of the request). Any other interceptor on the route keeps Nest's chain.
 *
 * Returns false (and changes nothing) when this Nest version has no such consumer.
 */
export function installPassThroughFastPath(): boolean {
  if (installed) return true;
  const proto = InterceptorsConsumer?.prototype as
    (InterceptorsConsumer & { createContext?: unknown }) | undefined;
  if (typeof proto?.intercept !== 'function' || typeof proto.createContext !== 'function') {
    return false;
  }
  const nestIntercept: Intercept = proto.intercept;
  const fast: Intercept = async function (
    this: InterceptorsConsumer,
    interceptors,
    args,
    instance,
    callback,
    next,
    type,
  ) {
    if (interceptors.length === 0 || !interceptors.every(isPassThrough)) {
      return nestIntercept.call(this, interceptors, args, instance, callback, next, type);
    }
    const context = this.createContext(args, instance, callback);
    context.setType(type ?? 'http');
    for (const interceptor of interceptors) interceptor.before(context);
    return next();
  };
  proto.intercept = fast;
  installed = true;
  return true;
}

function isPassThrough(interceptor: NestInterceptor): interceptor is PassThroughInterceptor {
  return (
    interceptor instanceof PassThroughInterceptor &&
    // A subclass that overrides intercept() wraps the result: it needs Nest's chain.
    interceptor.intercept === PassThroughInterceptor.prototype.intercept
  );
}
