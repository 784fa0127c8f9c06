import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ACCESS_LOG_OPTIONS, ROOT_LOGGER, type AccessLogOptions } from './logging.constants';
import { REQUEST_ID_LOG_KEY } from './request-id';

/**
 * One line per finished request: id, method, path (no query string), status and duration,
 * never headers or bodies. A Fastify onResponse hook, so requests refused before any Nest
 * middleware runs (415, 413, 408) are logged too. Probes and scrapes are left out unless
 * LOG_PROBES=true: a line every few seconds that says nothing drowns the lines that matter.
 */
@Injectable()
export class AccessLog implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(ACCESS_LOG_OPTIONS) private readonly options: AccessLogOptions,
  ) {}

  onModuleInit(): void {
    if (!this.options.enabled) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const { logProbes, quietPaths } = this.options;
    fastify.addHook('onResponse', (request, reply, done) => {
      const path = request.url.split('?', 1)[0];
      if (logProbes || !quietPaths.has(path)) {
        const status = reply.statusCode;
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
        this.logger[level](
          {
            [REQUEST_ID_LOG_KEY]: request.id,
            req: { method: request.method, path },
            res: { statusCode: status },
            responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
          },
          'request completed',
        );
      }
      done();
    });
  }
}
