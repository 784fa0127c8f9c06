import type { Params } from 'nestjs-pino';
import { pino, type Level, type Logger } from 'pino';
import type { AppConfig, LogLevelName } from '../config/app.config';
import { requestContextMixin } from './request-context';

const PINO_LEVELS: Record<LogLevelName, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Belt and braces: our log calls never pass headers, but a custom one might. */
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

/** The one pino logger of the process: app lines and access lines (AccessLog). */
export function buildRootLogger(app: AppConfig): Logger {
  // Looked up at every write so tests (and anything replacing stdout) capture the lines.
  const stream = { write: (line: string) => process.stdout.write(line) };
  return pino(
    {
      level: PINO_LEVELS[app.logLevel],
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: requestContextMixin,
      // `"level":"info"` rather than 30: readable, and what log pipelines match on.
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/**
 * nestjs-pino in its documented "existing logger" mode with no middleware of its own
 * (`forRoutes: []`): its PinoLogger writes through the root logger, whose mixin adds the
 * request id from our AsyncLocalStorage (RequestContextHook opens it). pino-http is not
 * used: it builds two child loggers per request whether or not anything is written, and its
 * bindings would repeat `requestId` on lines that name one themselves.
 */
export function buildPinoParams(root: Logger): Params {
  return { pinoHttp: { logger: root }, useExisting: true, forRoutes: [] };
}
