import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The `metrics` namespace from an environment; pure, so tests pass an object. */
export function parseMetricsConfig(source: Environment) {
  const env = new EnvReader(source);
  const auth = env.optionalString('METRICS_AUTH');
  if (auth !== undefined && !/^[^:]+:.+$/.test(auth)) {
    throw new ConfigValidationError('METRICS_AUTH', 'must be user:password (value not shown)');
  }
  const prefix = env.string('METRICS_PREFIX', '');
  if (prefix !== '' && !PROMETHEUS_NAME.test(prefix)) {
    throw new ConfigValidationError(
      'METRICS_PREFIX',
      'must be a valid Prometheus name prefix',
      prefix,
    );
  }
  const inProgressName = env.string('METRICS_INPROGRESS_NAME', 'http_requests_inprogress');
  if (!PROMETHEUS_NAME.test(inProgressName)) {
    throw new ConfigValidationError(
      'METRICS_INPROGRESS_NAME',
      'must be a valid Prometheus metric name',
      inProgressName,
    );
  }
  const [authUser, ...rest] = auth?.split(':') ?? [];
  return {
    enabled: env.bool('ENABLE_METRICS', true),
    excludedPaths: env.list('METRICS_EXCLUDED_PATHS', ['/healthz', '/readyz', '/metrics']),
    /** Separate listener for /metrics; the API port then serves none. */
    port: env.optionalPort('METRICS_PORT'),
    auth: auth === undefined ? undefined : { user: authUser, password: rest.join(':') },
    /** `2xx` instead of `201` in http_requests_total. */
    groupStatusCodes: env.bool('METRICS_GROUP_STATUS', true),
    /** Requests that matched no route: counted under handler="none", or not at all. */
    groupUnmatched: env.bool('METRICS_GROUP_UNMATCHED', true),
    defaultMetrics: env.bool('METRICS_DEFAULT', true),
    prefix,
    inProgressName,
    /** Allowlist of client label values; others are reported as `other`. */
    clients: env.list('METRICS_CLIENTS', []),
    /** Without an allowlist, the first N distinct clients get their own label value. */
    maxClients: env.int('METRICS_MAX_CLIENTS', 100, { min: 1, max: 1000 }),
    /** Reuse a rendered /metrics body for this long, so a scrape storm costs one render. */
    cacheMs: env.int('METRICS_CACHE_MS', 1000, { min: 0, max: 60_000 }),
  };
}

export const metricsConfig = registerAs('metrics', () => parseMetricsConfig(process.env));

export type MetricsConfig = ConfigType<typeof metricsConfig>;
