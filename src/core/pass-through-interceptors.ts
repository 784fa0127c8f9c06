import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
// Not in @nestjs/core's public index: Nest 12 exports it from `@nestjs/core/internal`, the
// entry its sibling packages use. If a later Nest moves or reshapes it,
// installPassThroughFastPath() reports that and Nest's own (slower) chain keeps working.
import { InterceptorsConsumer } from '@nestjs/core/internal';
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
 * With any interceptor on a route, Nest 12 runs, per request: an Observable per chain level
 * with an AsyncResource scope per interceptor, an Observable around the handler's promise,
 * `from()`/`mergeAll` and `lastValueFrom()`, and a `takeUntil` client-disconnect watcher
 * with its `close` listeners (Nest 11 ran a similar chain) — measurable on a POST
 * /send-email (docs/upgrading.md, docs/benchmarks.md "Hot path"). When every interceptor of a route is
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
