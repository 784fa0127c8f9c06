import type { Bindings, Level, LevelWithSilentOrString, Logger } from 'pino';
import { REQUEST_ID_LOG_KEY } from './request-id';

/**
 * The logger nestjs-pino hands to code running inside a request when pino-http is left out
 * (see buildPinoParams): it writes through a `requestId` child of the root logger, built on
 * the first call whose level is enabled, so a request that logs nothing costs one object.
 * Only what nestjs-pino's PinoLogger calls on a request logger is here.
 */
export class LazyRequestLogger {
  private bound?: Logger;

  constructor(
    private readonly root: Logger,
    private readonly requestId: string,
  ) {}

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return this.root.isLevelEnabled(level);
  }

  /** PinoLogger.assign(): the request's logger gains fields for the rest of the request. */
  child(bindings: Bindings): Logger {
    return this.logger().child(bindings);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    this.logger()[level](...(args as [unknown]));
  }

  private logger(): Logger {
    return (this.bound ??= this.root.child({ [REQUEST_ID_LOG_KEY]: this.requestId }));
  }
}
