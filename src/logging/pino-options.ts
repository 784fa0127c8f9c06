import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Level } from 'pino';
import type { AppConfig, LogLevelName } from '../config/app.config';
import type { ObservabilityConfig } from '../config/observability.config';
import { requestIdFor } from './request-id';

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
 */
export function buildPinoParams(app: AppConfig, observability: ObservabilityConfig): Params {
  return {
    pinoHttp: [
      {
        level: PINO_LEVELS[app.logLevel],
        autoLogging: observability.logRequests && observability.logFormat === 'json',
        // Fastify assigned the id already (genReqId in bootstrap.ts); this only covers other adapters.
        genReqId: (req) => (req as { id?: string }).id ?? requestIdFor(req),
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'requestId' },
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        serializers: {
          req: (req: IncomingMessage & { id?: unknown }) => ({
            method: req.method,
            path: req.url?.split('?', 1)[0],
          }),
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req, res, err) =>
          err !== undefined || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'warn'
              : 'info',
      },
      // Looked up at every write so tests (and anything replacing stdout) capture the lines.
      { write: (line: string) => process.stdout.write(line) },
    ],
  };
}
