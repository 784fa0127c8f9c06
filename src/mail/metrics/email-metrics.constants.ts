import { DEFAULT_EMAIL_DURATION_BUCKETS } from '../../config/metrics.config';
/**
 * Email metric names: the contract dashboards and alerts are built on. They are never
 * prefixed (METRICS_PREFIX applies to HTTP and process metrics only).
 */
export const EMAIL_SENT_TOTAL = 'email_sent_total';
export const EMAIL_QUEUE_SIZE = 'email_queue_size';
export const EMAIL_QUEUE_JOBS = 'email_queue_jobs';
/** email_queue_size split by state (queued, deferred, sending): the states add up to it. */
export const EMAIL_QUEUE_EMAILS = 'email_queue_emails';
/** Age of the oldest unfinished email per state, from its acceptance. */
export const EMAIL_QUEUE_OLDEST_AGE_SECONDS = 'email_queue_oldest_age_seconds';
/** DELIVERY_LIFETIME, so alert rules can compare ages with it. */
export const EMAIL_DELIVERY_LIFETIME_SECONDS = 'email_delivery_lifetime_seconds';
/** 1 while this replica's queue takes emails, 0 while intake answers 503 (store unreachable, draining). */
export const EMAIL_QUEUE_ACCEPTING = 'email_queue_accepting';
export const EMAIL_QUEUE_REPLICAS_MISSING = 'email_queue_replicas_missing';
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

/**
 * From the original deployment's dashboards; kept so its queries work unchanged. The default
 * of EMAIL_DURATION_BUCKETS, which may add finer ones.
 */
export const EMAIL_DURATION_BUCKETS = DEFAULT_EMAIL_DURATION_BUCKETS;

export type AttemptResult = 'success' | 'transient' | 'permanent';
