import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigValidationError, EnvReader, type Environment } from './env-reader';

const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The seed's buckets of email_send_duration_seconds: the default, part of the contract. */
export const DEFAULT_EMAIL_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10];

/** EMAIL_DURATION_BUCKETS: seconds, comma-separated, positive and strictly ascending. */
function durationBuckets(env: EnvReader): number[] {
  const raw = env.raw('EMAIL_DURATION_BUCKETS');
  if (raw === undefined) return [...DEFAULT_EMAIL_DURATION_BUCKETS];
  const buckets = env.list('EMAIL_DURATION_BUCKETS', []).map(Number);
  const valid =
    buckets.length > 0 &&
    buckets.length <= 30 &&
    buckets.every((le, i) => Number.isFinite(le) && le > 0 && (i === 0 || le > buckets[i - 1]));
  if (!valid) {
    throw new ConfigValidationError(
      'EMAIL_DURATION_BUCKETS',
      'must be 1-30 positive numbers of seconds in ascending order, e.g. 0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10',
      raw,
    );
  }
  return buckets;
}

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
    /** Upper bounds (`le`, seconds) of email_send_duration_seconds; +Inf is added. */
    emailDurationBuckets: durationBuckets(env),
    /** Reuse a rendered /metrics body for this long, so a scrape storm costs one render. */
    cacheMs: env.int('METRICS_CACHE_MS', 1000, { min: 0, max: 60_000 }),
  };
}

export const metricsConfig = registerAs('metrics', () => parseMetricsConfig(process.env));

export type MetricsConfig = ConfigType<typeof metricsConfig>;
