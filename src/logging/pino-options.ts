import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Level } from 'pino';
import type { AppConfig, LogLevelName } from '../config/app.config';
import type { ObservabilityConfig } from '../config/observability.config';
import { REQUEST_ID_LOG_KEY, requestIdFor } from './request-id';

const PINO_LEVELS: Record<LogLevelName, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Belt and braces: the serializers below never emit headers, but a custom log call might. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.password',
  '*.to',
  '*.cc',
  '*.bcc',
];

/**
 * nestjs-pino/pino-http settings: one JSON line per request (when LOG_REQUESTS) carrying
 * the request id, method, route and status, never bodies, headers or query strings; app
 * logs written during a request carry the same `requestId`.
 *
 * Without access lines (LOG_REQUESTS=false, LOG_FORMAT=pretty, or LOG_LEVEL=fatal, which
 * drops them all) pino-http is left out: it builds two child loggers per request whether
 * or not anything is written. RequestLoggerMiddleware puts a LazyRequestLogger on the
 * request instead (nestjs-pino's `useExisting` mode), so request logs keep their
 * `requestId` and a child logger is built only for a request that actually logs.
 */
export function buildPinoParams(app: AppConfig, observability: ObservabilityConfig): Params {
  const level = PINO_LEVELS[app.logLevel];
  const accessLines =
    observability.logRequests && observability.logFormat === 'json' && level !== 'fatal';
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  const serializers = {
    req: (req: IncomingMessage & { id?: unknown }) => ({
      method: req.method,
      path: req.url?.split('?', 1)[0],
    }),
    res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
  };
  // Looked up at every write so tests (and anything replacing stdout) capture the lines.
  const stream = { write: (line: string) => process.stdout.write(line) };
  if (!accessLines) {
    return {
      pinoHttp: { logger: pino({ level, redact, serializers }, stream) },
      useExisting: true,
    };
  }
  return {
    pinoHttp: [
      {
        level,
        autoLogging: true,
        // Fastify assigned the id already (genReqId in bootstrap.ts); this only covers other adapters.
        genReqId: (req) => (req as { id?: string }).id ?? requestIdFor(req),
        quietReqLogger: true,
        customAttributeKeys: { reqId: REQUEST_ID_LOG_KEY },
        redact,
        serializers,
        customLogLevel: (_req, res, err) =>
          err !== undefined || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'warn'
              : 'info',
      },
      stream,
    ],
  };
}
