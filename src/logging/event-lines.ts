import { Logger } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/** Fixed-shape fields: ids, counts, codes. Never addresses, bodies or headers. */
export type EventFields = { msg: string } & Record<string, string | number | boolean | undefined>;

export interface EventLines {
  info(fields: EventFields): void;
  warn(fields: EventFields): void;
}

/**
 * Lines written once per email (the outcome line) rather than per request, made cheap:
 * straight to pino's root logger with `context` bound once, not through Nest's Logger and
 * nestjs-pino, which look up the request's async context and build a `requestId` child
 * logger for every line (the line carries its request id itself). Redaction is off for this
 * child only: its fields are fixed and hold no address (the callers redact free text).
 * Where pino is not the app's logger (LOG_FORMAT=pretty, unit tests), Nest's Logger writes.
 */
export function eventLines(context: string, json: boolean): EventLines {
  let pino: Pino | undefined;
  const nest = new Logger(context);
  const root = (): Pino | undefined =>
    json ? (pino ??= PinoLogger.root?.child({ context }, { redact: [] })) : undefined;
  return {
    info(fields) {
      const logger = root();
      if (logger) logger.info(fields);
      else nest.log(fields);
    },
    warn(fields) {
      const logger = root();
      if (logger) logger.warn(fields);
      else nest.warn(fields);
    },
  };
}
