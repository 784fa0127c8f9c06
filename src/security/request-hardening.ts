import helmet from 'helmet';
import type { FastifyAdapter } from '@nestjs/platform-fastify';

export interface HardeningOptions {
  /** Deepest nesting of arrays/objects accepted in a JSON body. */
  jsonMaxDepth: number;
}

/**
 * Nesting depth of a JSON text, counted on the raw characters (brackets inside strings
 * ignored), so a hostile body is refused before anything recursive — class-transformer,
 * class-validator — walks it and runs out of stack.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  constructor(max: number) {
    super(`request body is nested deeper than ${max} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * Fastify-level protections shared by main.ts and the test app: security headers
 * (helmet's defaults) and the JSON depth limit in front of Fastify's own JSON parser (which
 * keeps refusing __proto__/constructor keys). Registering the parser through the adapter
 * also stops Nest from adding its form (x-www-form-urlencoded) parser: a form post is the
 * one body a foreign web page can send without a CORS preflight, so it gets 415.
 */
export function hardenFastify(adapter: FastifyAdapter, options: HardeningOptions): void {
  const fastify = adapter.getInstance();
  // helmet's middleware built once. @fastify/helmet 13 calls helmet(options) inside its
  // onRequest hook, re-parsing the CSP directives and rebuilding every header middleware
  // on each request (a sixth of the send path's CPU, docs/benchmarks.md); same headers.
  // Routes that need another CSP (the status page) set their own header in the handler.
  const applySecurityHeaders = helmet();
  fastify.addHook('onRequest', (request, reply, done) => {
    applySecurityHeaders(request.raw, reply.raw, (err?: unknown) =>
      done(err instanceof Error ? err : undefined),
    );
  });
  const parse = fastify.getDefaultJsonParser('error', 'error');
  const { bodyLimit } = fastify.initialConfig;
  adapter.useBodyParser('application/json', false, { bodyLimit }, (request, body, done) => {
    const text = body.toString('utf8');
    if (jsonDepthExceeds(text, options.jsonMaxDepth)) {
      done(new JsonTooDeepError(options.jsonMaxDepth), undefined);
      return;
    }
    void parse(request, text, done);
  });
}
