import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
/** pino's names for Nest's `log` and `verbose`: what the JSON lines print (`"level":"info"`). */
const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevelName>> = { info: 'log', trace: 'verbose' };

/** LOG_LEVEL in Nest's names or pino's (`info`, `trace`), any case. */
function logLevel(env: EnvReader): LogLevelName {
  const raw = env.raw('LOG_LEVEL')?.toLowerCase();
  if (raw === undefined) return 'log';
  const level = LOG_LEVEL_ALIASES[raw] ?? raw;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigValidationError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')} (or info, trace)`,
      env.raw('LOG_LEVEL'),
    );
  }
  return level;
}

/** The `app` namespace from an environment; pure, so tests pass an object. */
export function parseAppConfig(source: Environment) {
  const env = new EnvReader(source);
  return {
    port: env.port('PORT', 3000),
    host: env.string('HOST', '0.0.0.0'),
    /** Largest accepted request body; larger ones get 413 before any parsing. */
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    /**
     * Longest time a client may take to send a whole request (headers and body): a body
     * trickled a byte at a time gets 408 and the connection closed instead of holding it.
     */
    requestTimeoutMs: env.int('REQUEST_TIMEOUT_MS', 30_000, { min: 1000, max: 600_000 }),
    /** How long SIGTERM waits for queued and in-flight emails before exiting anyway. */
    shutdownDrainMs: env.int('SHUTDOWN_DRAIN_MS', 25_000, { min: 0, max: 600_000 }),
    logLevel: logLevel(env),
  };
}

export const appConfig = registerAs('app', () => parseAppConfig(process.env));

export type AppConfig = ConfigType<typeof appConfig>;
