import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
/** The field carrying the request id on every log line written during a request. */
export const REQUEST_ID_LOG_KEY = 'requestId';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Fastify's `genReqId`: the caller's X-Request-ID when it is short and harmless (it is
 * echoed and logged), else a fresh UUID. pino-http reuses the id Fastify assigned.
 */
export function requestIdFor(req: IncomingMessage): string {
  const raw = req.headers[REQUEST_ID_HEADER];
  const offered = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return offered !== undefined && SAFE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** Echoes the request id on every response, errors and 404s included, so callers can quote it. */
export function echoRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
