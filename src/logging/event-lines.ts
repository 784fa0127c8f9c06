import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';

/** Fixed-shape fields: ids, counts, codes. Never addresses, bodies or headers. */
export type EventFields = { msg: string } & Record<string, string | number | boolean | undefined>;

export interface EventLines {
  info(fields: EventFields): void;
  warn(fields: EventFields): void;
}

/**
 * Lines written once per email (the outcome line) rather than per request, made cheap:
 * straight to the app's root pino logger with `context` bound once, not through Nest's
 * Logger and nestjs-pino, which look up the request's async context and build a `requestId`
 * child logger for every line (the line carries its request id itself). Redaction is off for
 * this child only: its fields are fixed and hold no address (callers redact free text).
 * Where pino is not the app's logger (LOG_FORMAT=pretty) or absent (unit tests), Nest's
 * Logger writes.
 */
@Injectable()
export class EventLog {
  private readonly existing?: Pino;
  private readonly json: boolean;

  constructor(
    @Inject(PARAMS_PROVIDER_TOKEN) params: Params,
    @Optional() @Inject(observabilityConfig.KEY) observability?: ObservabilityConfig,
  ) {
    this.json = observability?.logFormat !== 'pretty';
    // Without access lines our own root logger is handed to nestjs-pino (buildPinoParams);
    // with them, pino-http builds it and nestjs-pino publishes it as PinoLogger.root.
    if (params.useExisting && params.pinoHttp && 'logger' in params.pinoHttp) {
      this.existing = params.pinoHttp.logger as Pino;
    }
  }

  lines(context: string): EventLines {
    return eventLines(context, () => (this.json ? (this.existing ?? PinoLogger.root) : undefined));
  }
}

/** Lines for `context`; `root()` is read at the first write (pino-http's appears at init). */
export function eventLines(
  context: string,
  root: () => Pino | undefined = () => undefined,
): EventLines {
  let pino: Pino | undefined;
  const nest = new Logger(context);
  const logger = (): Pino | undefined => (pino ??= root()?.child({ context }, { redact: [] }));
  return {
    info(fields) {
      const target = logger();
      if (target) target.info(fields);
      else nest.log(fields);
    },
    warn(fields) {
      const target = logger();
      if (target) target.warn(fields);
      else nest.warn(fields);
    },
  };
}
