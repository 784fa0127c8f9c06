import { DEFAULT_EMAIL_DURATION_BUCKETS } from '../../config/metrics.config';
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
/** 1 when the SMTP relay answered last time it was tried, else 0; label `relay` = SMTP_RELAY_NAME. */
export const EMAIL_SMTP_UP = 'email_smtp_up';
export const EMAIL_SMTP_POSSIBLE_DUPLICATES_TOTAL = 'email_smtp_possible_duplicates_total';
export const EMAIL_POSSIBLE_DUPLICATES_TOTAL = 'email_possible_duplicates_total';

/**
 * From the original deployment's dashboards; kept so its queries work unchanged. The default
 * of EMAIL_DURATION_BUCKETS, which may add finer ones.
 */
export const EMAIL_DURATION_BUCKETS = DEFAULT_EMAIL_DURATION_BUCKETS;

export type AttemptResult = 'success' | 'transient' | 'permanent';
