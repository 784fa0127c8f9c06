/** HTTP metric names (METRICS_PREFIX applies to these; email metrics live in src/mail/metrics). */
export const HTTP_REQUESTS_TOTAL = 'http_requests_total';
export const HTTP_REQUEST_DURATION_SECONDS = 'http_request_duration_seconds';

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values for clients beyond the allowlist or the first-N budget. */
export const OTHER_CLIENT = 'other';
/** handler label of requests that matched no route. */
export const UNMATCHED_HANDLER = 'none';
