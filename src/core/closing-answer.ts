import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-body';

/** What a client is told to wait before sending again (to another instance). */
const RETRY_AFTER_SECONDS = 10;

/**
 * Requests arriving on a kept-alive connection while the HTTP server closes (after the
 * queue's drain, see serve.ts) get the same 503 as the drain's: the error body, `Retry-After`
 * and `Connection: close`. Fastify's own answer (`return503OnClosing`) has neither the body
 * nor `Retry-After`, so a client could not tell "nothing was queued, come back" from a proxy's
 * error. The state is the server's own: Fastify runs `preClose` hooks as close() begins.
 */
export function answerWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .header('connection', 'close')
      .send(
        errorBody(
          503,
          'service_unavailable',
          'service is shutting down; nothing was queued, retry on another instance',
        ),
      );
  });
}
