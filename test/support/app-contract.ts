/**
 * What the running app serves, as the deployment and monitoring files must assume it.
 *
 * These mirror the app contract of issue 6. Where src/ exports the same value, import it here
 * instead of repeating it, so a change in the app breaks the manifests' tests rather than a
 * production rollout.
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

/** Metric families the app exports (names exactly as scraped). */
export const APP_METRIC_FAMILIES = {
  counter: [
    'email_sent_total',
    'email_send_attempts_total',
    'email_retries_total',
    'email_failures_total',
    'http_requests_total',
  ],
  gauge: ['email_queue_size', 'email_queue_jobs', 'http_requests_inprogress'],
  histogram: ['email_send_duration_seconds', 'http_request_duration_seconds'],
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
