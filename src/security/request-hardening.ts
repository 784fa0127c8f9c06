import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, type ErrorCode } from '../core/error-body';
import { decodeOctetStrings, parsableAsOctets } from './json-octets';
import type { FastifyAdapter } from '@nestjs/platform-fastify';

export interface HardeningOptions {
  /** Deepest nesting of arrays/objects accepted in a JSON body. */
  jsonMaxDepth: number;
}

/**
 * Nesting depth of a JSON text, counted on the raw characters (brackets inside strings
 * ignored), so a hostile body is refused before anything recursive — class-transformer,
 * class-validator — walks it and runs out of stack. Strings are skipped with indexOf (native
 * speed): an email body is one long string, and walking it character by character in
 * JavaScript cost more than JSON.parse itself (issue 20's profile of a 100 KB text).
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i < 0) return false; // unterminated: JSON.parse refuses it with invalid_body
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or -1; `\"` does not close it. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

const suspect = Symbol('suspect');
const hasOwn = (node: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(node, key);

/** Whether some object in a parsed JSON value has an own `__proto__` or `constructor` key. */
export function hasPrototypeKeys(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (hasOwn(node, '__proto__') || hasOwn(node, 'constructor')) return true;
    for (const key in node) {
      const child = (node as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') pending.push(child);
    }
  }
  return false;
}

/** A body refused before parsing; the exception filter answers with its status and code. */
class BodyRefusedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefusedError';
  }
}

/** The media types a request body may have: JSON in UTF-8, and nothing else. */
const ACCEPTED_MEDIA_TYPES = new Set(['application/json']);
const ACCEPTED_CHARSETS = new Set(['utf-8', 'utf8']);

/**
 * Why a request's body is refused for its Content-Type, or undefined when it is accepted.
 * Explicit rather than a side effect of which parsers happen to be registered: a form post
 * (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`) is what a foreign
 * web page can send without a CORS preflight, so it must never reach a handler.
 */
export function refusedContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return 'a request body needs Content-Type: application/json';
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (!ACCEPTED_MEDIA_TYPES.has(mediaType)) {
    return `Content-Type ${JSON.stringify(mediaType.slice(0, 100))} is not accepted; send application/json`;
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !ACCEPTED_CHARSETS.has(charset.replace(/"/g, ''))) {
    return 'JSON bodies must be UTF-8 (charset=utf-8)';
  }
  return undefined;
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The headers helmet's defaults set, captured from one run against a recording response. */
export function helmetDefaults(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      (headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let failure: unknown;
  // No upgrade-insecure-requests: over plain HTTP on any address but localhost, Chromium then
  // fetches Swagger UI's scripts and styles over https, which nothing serves, and the page
  // stays blank (test/api/csp-plain-http). Where mailwatch is served over TLS, the ingress
  // owns that upgrade (and HSTS).
  helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (err?: unknown) => (failure = err),
  );
  if (failure)
    throw failure instanceof Error ? failure : new Error('helmet failed to compute its headers');
  return headers;
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
  // helmet's default headers, worked out once: none of them depends on the request, and
  // running helmet's twelve middlewares per request (each a res.setHeader) measured ~8 µs
  // of a send's CPU (docs/benchmarks.md). @fastify/helmet 13 was worse: it rebuilt every
  // middleware per request. Routes that need another CSP (the status page) set their own
  // header in the handler, which replaces this one.
  const securityHeaders = helmetDefaults();
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  // preParsing: after every onRequest hook (HTTP metrics count the 415), before any parser.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const refused = hasBody(request.headers)
      ? refusedContentType(request.headers['content-type'])
      : undefined;
    if (refused) done(new BodyRefusedError(415, 'unsupported_media_type', refused));
    else done(null, payload);
  });
  // Only JSON remains: without these, Fastify would parse text/plain bodies itself.
  fastify.removeAllContentTypeParsers();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  const { bodyLimit } = fastify.initialConfig;
  adapter.useBodyParser('application/json', false, { bodyLimit }, (request, body, done) => {
    // Invalid UTF-8 is refused, not decoded into U+FFFD and sent on. isUtf8 (simdutf) and
    // toString are native passes; a fatal TextDecoder cost more than JSON.parse on a 100 KB
    // body (issue 20's profile).
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (!isUtf8(bytes)) {
      done(new BodyRefusedError(400, 'invalid_body', 'request body is not valid UTF-8'), undefined);
      return;
    }
    // A leading BOM was dropped by the decoder before; JSON.parse would refuse it.
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const asOctets = parsableAsOctets(bytes);
    const text = bytes.toString(asOctets ? 'latin1' : 'utf8', start);
    if (jsonDepthExceeds(text, options.jsonMaxDepth)) {
      const message = `request body is nested deeper than ${options.jsonMaxDepth} levels`;
      done(new BodyRefusedError(400, 'invalid_body', message), undefined);
      return;
    }
    // JSON.parse and a walk over the parsed objects, not the text: Fastify's parser
    // (secure-json-parse) runs two regexes over the whole text to decide whether to walk,
    // which for a 100 KB email body cost more than the walk (issue 20). Any doubt — a
    // syntax error, a `__proto__` or `constructor` key — goes to Fastify's parser, which
    // gives the same answer and the same errors as before.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = suspect;
    }
    if (value !== suspect && hasPrototypeKeys(value)) value = suspect;
    // The request's octets are not read again: a long string's octets may go over them.
    if (value !== suspect && asOctets && !decodeOctetStrings(value, bytes)) value = suspect;
    if (value === suspect)
      void parse(request, asOctets ? Buffer.from(text, 'latin1').toString('utf8') : text, done);
    else done(null, value);
  });
}

/**
 * Fastify's clientErrorHandler: answers what Node refuses before any route runs (a request
 * not received within REQUEST_TIMEOUT_MS, oversized headers, malformed HTTP) with the common
 * error body, then closes the connection, as Node's own handler would.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request was not received within REQUEST_TIMEOUT_MS']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'invalid_request', 'request headers are too large']
        : [400, 'invalid_request', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(status, code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${errorBody(status, code, '').error}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
