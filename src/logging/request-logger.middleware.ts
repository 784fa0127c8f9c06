import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { requestContext } from './request-context';
import { REQUEST_ID_LOG_KEY, requestIdFor } from './request-id';

type RequestWithId = IncomingMessage & { id?: string };

/** Runs the rest of the request inside its context, so every app line carries its id. */
@Injectable()
export class RequestLoggerMiddleware implements NestMiddleware {
  use(req: RequestWithId, _res: unknown, next: () => void): void {
    // middie copies Fastify's request id (genReqId, echoed as X-Request-ID) onto req.
    requestContext.run({ [REQUEST_ID_LOG_KEY]: req.id ?? requestIdFor(req) }, next);
  }
}
