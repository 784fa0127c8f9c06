import { AsyncLocalStorage } from 'node:async_hooks';
import { REQUEST_ID_LOG_KEY } from './request-id';

export interface RequestContext {
  readonly [REQUEST_ID_LOG_KEY]: string;
}

/**
 * The request a piece of code runs for, kept by Node's AsyncLocalStorage (a public,
 * framework-independent mechanism) rather than by a logging library's internals.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * pino's `mixin`: every line written while a request is being handled gains its
 * `requestId`. Fields given in the log call itself win (pino merges them over the mixin), so
 * a line that names a request explicitly (the outcome line of a queued email) has one key.
 */
export function requestContextMixin(): object {
  // A fresh object each time: pino merges the line's own fields into it.
  const store = requestContext.getStore();
  return store ? { [REQUEST_ID_LOG_KEY]: store[REQUEST_ID_LOG_KEY] } : {};
}
