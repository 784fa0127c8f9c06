import { ConfigType, registerAs } from '@nestjs/config';
import { EnvReader, type Environment } from './env-reader';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The `app` namespace from an environment; pure, so tests pass an object. */
export function parseAppConfig(source: Environment) {
  const env = new EnvReader(source);
  return {
    port: env.port('PORT', 3000),
    host: env.string('HOST', '0.0.0.0'),
    /** Largest accepted request body; larger ones get 413 before any parsing. */
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    /** How long SIGTERM waits for queued and in-flight emails before exiting anyway. */
    shutdownDrainMs: env.int('SHUTDOWN_DRAIN_MS', 25_000, { min: 0, max: 600_000 }),
    logLevel: env.oneOf<LogLevelName>('LOG_LEVEL', LOG_LEVELS, 'log'),
  };
}

export const appConfig = registerAs('app', () => parseAppConfig(process.env));

export type AppConfig = ConfigType<typeof appConfig>;
