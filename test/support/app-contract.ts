import {
  EMAIL_FAILURES_TOTAL,
  EMAIL_QUEUE_ACCEPTING,
  EMAIL_QUEUE_JOBS,
  EMAIL_QUEUE_SIZE,
  EMAIL_RETRIES_TOTAL,
  EMAIL_SEND_ATTEMPTS_TOTAL,
  EMAIL_SEND_DURATION_SECONDS,
  EMAIL_SENT_TOTAL,
} from '../../src/mail/metrics/email-metrics.constants';
import {
  EMAIL_BOUNCE_REPORTS_TOTAL,
  EMAIL_BOUNCED_TOTAL,
  SMTP_INGRESS_AUTH_FAILURES_TOTAL,
  SMTP_INGRESS_MESSAGES_TOTAL,
} from '../../src/ingress/metrics/ingress-metrics';
import {
  HTTP_REQUEST_DURATION_SECONDS,
  HTTP_REQUESTS_TOTAL,
} from '../../src/metrics/metrics.constants';

export { EMAIL_DURATION_BUCKETS } from '../../src/mail/metrics/email-metrics.constants';

/**
 * What the running app serves, as the deployment and monitoring files must assume it.
 *
 * Values src/ exports are imported, so a change in the app breaks these tests rather than a
 * production rollout; the rest mirror the app contract of issue 6 (routes and ports are
 * also exercised by test/deploy/k8s-app-config.e2e-spec.ts through the app's config loaders).
 */
export const APP_CONTRACT = {
  apiPort: 3000,
  /** METRICS_PORT used in Kubernetes; the Service exposes it as the `metrics` port. */
  metricsPort: 9464,
  metricsPath: '/metrics',
  livenessPath: '/healthz',
  readinessPath: '/readyz',
  /** Secret keys the ServiceMonitor's basicAuth reads. */
  metricsUsernameKey: 'metrics-username',
  metricsPasswordKey: 'metrics-password',
  /** Prometheus job labels: plain Prometheus, and the Service name under the ServiceMonitor. */
  prometheusJobs: ['email_service', 'mailwatch'],
} as const;

/**
 * Metric families the app exports (names exactly as scraped), from the app's own constants.
 * Assumes the default METRICS_PREFIX (none) and METRICS_INPROGRESS_NAME.
 */
export const APP_METRIC_FAMILIES = {
  counter: [
    EMAIL_SENT_TOTAL,
    EMAIL_SEND_ATTEMPTS_TOTAL,
    EMAIL_RETRIES_TOTAL,
    EMAIL_FAILURES_TOTAL,
    HTTP_REQUESTS_TOTAL,
    // SMTP in (issue 23)
    SMTP_INGRESS_MESSAGES_TOTAL,
    SMTP_INGRESS_AUTH_FAILURES_TOTAL,
    EMAIL_BOUNCED_TOTAL,
    EMAIL_BOUNCE_REPORTS_TOTAL,
  ],
  gauge: [EMAIL_QUEUE_SIZE, EMAIL_QUEUE_JOBS, EMAIL_QUEUE_ACCEPTING, 'http_requests_inprogress'],
  histogram: [EMAIL_SEND_DURATION_SECONDS, HTTP_REQUEST_DURATION_SECONDS],
  /** prom-client default metrics the dashboard relies on. */
  default: [
    'process_resident_memory_bytes',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_used_bytes',
  ],
  /** Synthesised by Prometheus for every target. */
  prometheus: ['up'],
} as const;

/** Every series name a query may select: families plus the series histograms expand into. */
export function knownSeriesNames(): Set<string> {
  const names = new Set<string>([
    ...APP_METRIC_FAMILIES.counter,
    ...APP_METRIC_FAMILIES.gauge,
    ...APP_METRIC_FAMILIES.default,
    ...APP_METRIC_FAMILIES.prometheus,
  ]);
  for (const histogram of APP_METRIC_FAMILIES.histogram) {
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(histogram + suffix);
  }
  return names;
}
