/**
 * Email metric names: the contract dashboards and alerts are built on. They are never
 * prefixed (METRICS_PREFIX applies to HTTP and process metrics only).
 */
export const EMAIL_SENT_TOTAL = 'email_sent_total';
export const EMAIL_QUEUE_SIZE = 'email_queue_size';
export const EMAIL_QUEUE_JOBS = 'email_queue_jobs';
export const EMAIL_SEND_DURATION_SECONDS = 'email_send_duration_seconds';
export const EMAIL_SEND_ATTEMPTS_TOTAL = 'email_send_attempts_total';
export const EMAIL_RETRIES_TOTAL = 'email_retries_total';
export const EMAIL_FAILURES_TOTAL = 'email_failures_total';
/** 1 when an SMTP relay answered last time it was tried, else 0; one series per relay of SMTP_URL. */
export const EMAIL_SMTP_UP = 'email_smtp_up';
/** Attempts that reached a relay, by relay and outcome (`sent` or a failure reason). */
export const EMAIL_SMTP_ATTEMPTS_TOTAL = 'email_smtp_attempts_total';
export const EMAIL_SMTP_POSSIBLE_DUPLICATES_TOTAL = 'email_smtp_possible_duplicates_total';
export const EMAIL_POSSIBLE_DUPLICATES_TOTAL = 'email_possible_duplicates_total';

/** From the original deployment's dashboards; kept so its queries work unchanged. */
export const EMAIL_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10];

export type AttemptResult = 'success' | 'transient' | 'permanent';
