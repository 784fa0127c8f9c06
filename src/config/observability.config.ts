import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Logs, API docs and the status page: the operator-facing surface. */
/** The `observability` namespace from an environment; pure, so tests pass an object. */
export function parseObservabilityConfig(source: Environment) {
  const env = new EnvReader(source);
  const production = env.string('NODE_ENV', 'development') === 'production';
  const underTest = env.string('NODE_ENV', 'development') === 'test';
  const statusAuth = env.optionalString('STATUS_AUTH');
  if (statusAuth !== undefined && !/^[^:]+:.+$/.test(statusAuth)) {
    throw new ConfigValidationError('STATUS_AUTH', 'must be user:password (value not shown)');
  }
  return {
    /** json: one JSON object per line (pino); pretty: Nest's coloured console lines. */
    logFormat: env.oneOf<LogFormat>('LOG_FORMAT', LOG_FORMATS, 'json'),
    /** One access-log line per request; off under jest and worth turning off in benchmarks. */
    logRequests: env.bool('LOG_REQUESTS', !underTest),
    /** /docs (Swagger UI) and /docs-json; off by default in production. */
    openApiEnabled: env.bool('OPENAPI_ENABLED', !production),
    /** /status (live HTML page) and /status/data. */
    statusPageEnabled: env.bool('STATUS_PAGE_ENABLED', true),
    /** user:password that opens the status page in a browser (HTTP Basic, read-only). */
    statusAuth,
    /** How often the status page's server-side history takes a sample (it keeps 360). */
    statusHistoryIntervalMs: env.int('STATUS_HISTORY_INTERVAL_MS', 10_000, {
      min: 100,
      max: 600_000,
    }),
    /** Grafana's base URL: the status page links to the mailwatch dashboard there. */
    grafanaUrl: env.optionalUrl('GRAFANA_URL', ['http:', 'https:'])?.href.replace(/\/$/, ''),
  };
}

export const observabilityConfig = registerAs('observability', () =>
  parseObservabilityConfig(process.env),
);

export type ObservabilityConfig = ConfigType<typeof observabilityConfig>;
