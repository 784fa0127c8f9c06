import {
  ConsoleLogger,
  type INestApplication,
  type LoggerService,
  type LogLevel,
} from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { ObservabilityConfig } from '../config/observability.config';

/**
 * Nest's own start-up narration ("X dependencies initialized", one line per mapped route):
 * ~35 lines at every start that say nothing an operator acts on. Kept at debug level.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** A logger (nestjs-pino's or Nest's console) with the framework's `log` lines demoted to `debug`. */
class QuietFrameworkLogger implements LoggerService {
  constructor(
    private readonly pino: Required<
      Pick<LoggerService, 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>
    >,
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      this.pino.debug(message, ...rest);
    } else {
      this.pino.log(message, ...rest);
    }
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.pino.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.pino.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.pino.debug(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.pino.verbose(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.pino.fatal(message, ...rest);
  }
}

/**
 * LOG_FORMAT=json routes every Nest log through pino; `pretty` keeps Nest's console lines.
 * Both print the same start-up lines (the framework's narration at debug in both).
 */
export function useAppLogger(
  app: INestApplication,
  config: ObservabilityConfig,
  logLevels: LogLevel[],
): void {
  app.useLogger(
    new QuietFrameworkLogger(
      config.logFormat === 'json' ? app.get(Logger) : new ConsoleLogger({ logLevels }),
    ),
  );
}
