import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
// nestjs-pino's request context; not re-exported from its index (see the class comment).
import { storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { LazyRequestLogger } from './lazy-request-logger';
import { requestIdFor } from './request-id';

type RequestWithId = IncomingMessage & { id?: string };

/**
 * Gives each request a LazyRequestLogger when pino-http is left out (nestjs-pino's
 * `useExisting` mode). In that mode nestjs-pino's middleware binds `req.log` to the
 * request's async context, and middie has already set `req.log` to Fastify's logger, a
 * no-op here: app logs written during a request would vanish. So this replaces the
 * logger in both places: in the context nestjs-pino opened (its middleware runs first,
 * LoggerModule being imported by LoggingModule) and on the request (in case it does not).
 */
@Injectable()
export class RequestLoggerMiddleware implements NestMiddleware {
  private readonly root?: Logger;

  constructor(@Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    if (params.useExisting && params.pinoHttp && 'logger' in params.pinoHttp) {
      this.root = params.pinoHttp.logger as Logger;
    }
  }

  use(req: RequestWithId, _res: unknown, next: () => void): void {
    if (this.root) {
      // middie copies Fastify's request id (genReqId, echoed as X-Request-ID) onto req.
      const lazy = new LazyRequestLogger(this.root, req.id ?? requestIdFor(req));
      // nestjs-pino calls only what LazyRequestLogger has; typed as pino's Logger by it.
      const logger = lazy as unknown as Logger;
      const store = storage.getStore();
      if (store) store.logger = logger;
      (req as { log?: unknown }).log = logger;
    }
    next();
  }
}
