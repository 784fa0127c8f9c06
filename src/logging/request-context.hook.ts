import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { requestContext } from './request-context';
import { REQUEST_ID_LOG_KEY } from './request-id';

/**
 * Runs the rest of each request inside its log context, so every app line carries its id
 * (Fastify's genReqId, echoed as X-Request-ID). A Fastify onRequest hook rather than a Nest
 * middleware: the same AsyncLocalStorage.run() around the rest of the request, without
 * @fastify/middie and Nest's middleware wrappers on every request (docs/benchmarks.md).
 */
@Injectable()
export class RequestContextHook implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      requestContext.run({ [REQUEST_ID_LOG_KEY]: request.id }, done);
    });
  }
}
