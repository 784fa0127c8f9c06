import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { requestContext } from './request-context';
import { REQUEST_ID_LOG_KEY, requestIdFor } from './request-id';
import { ACCESS_LOG_OPTIONS, ROOT_LOGGER, type AccessLogOptions } from './logging.constants';

/** middie sets `originalUrl`: `url` is relative to the middleware's mount path. */
type RequestWithId = IncomingMessage & { id?: string; originalUrl?: string };

/**
 * Runs the rest of the request inside its request context (so every app line carries the
 * request id) and, when access lines are on, writes one line when the response is finished:
 * id, method, path (no query string), status and duration, never headers or bodies. Probes
 * and scrapes are left out unless LOG_PROBES=true: they would drown the lines that matter.
 */
@Injectable()
export class RequestLoggerMiddleware implements NestMiddleware {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(ACCESS_LOG_OPTIONS) private readonly options: AccessLogOptions,
  ) {}

  use(req: RequestWithId, res: ServerResponse, next: () => void): void {
    // middie copies Fastify's request id (genReqId, echoed as X-Request-ID) onto req.
    const requestId = req.id ?? requestIdFor(req);
    if (this.options.enabled) this.logWhenFinished(requestId, req, res);
    requestContext.run({ [REQUEST_ID_LOG_KEY]: requestId }, next);
  }

  private logWhenFinished(requestId: string, req: RequestWithId, res: ServerResponse): void {
    const path = (req.originalUrl ?? req.url ?? '/').split('?', 1)[0];
    if (!this.options.logProbes && this.options.quietPaths.has(path)) return;
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      this.logger[level](
        {
          [REQUEST_ID_LOG_KEY]: requestId,
          req: { method: req.method, path },
          res: { statusCode: status },
          responseTime: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        'request completed',
      );
    });
  }
}
