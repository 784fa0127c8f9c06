/**
 * Metric names: the contract dashboards and alerts are built on. The email_* names are
 * never prefixed (METRICS_PREFIX applies to HTTP and process metrics only).
 */
export const EMAIL_SENT_TOTAL = 'email_sent_total';
export const EMAIL_QUEUE_SIZE = 'email_queue_size';
export const EMAIL_QUEUE_JOBS = 'email_queue_jobs';
export const EMAIL_SEND_DURATION_SECONDS = 'email_send_duration_seconds';
export const EMAIL_SEND_ATTEMPTS_TOTAL = 'email_send_attempts_total';
export const EMAIL_RETRIES_TOTAL = 'email_retries_total';
export const EMAIL_FAILURES_TOTAL = 'email_failures_total';

export const HTTP_REQUESTS_TOTAL = 'http_requests_total';
export const HTTP_REQUEST_DURATION_SECONDS = 'http_request_duration_seconds';

/** From the original deployment's dashboards; kept so its queries work unchanged. */
export const EMAIL_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10];
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values for clients beyond the allowlist or the first-N budget. */
export const OTHER_CLIENT = 'other';
export const UNKNOWN_CLIENT = 'unknown';
/** handler label of requests that matched no route. */
export const UNMATCHED_HANDLER = 'none';

export type AttemptResult = 'success' | 'transient' | 'permanent';
