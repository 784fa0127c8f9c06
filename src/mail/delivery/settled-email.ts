import type { DeliveryErrorInfo } from './delivery-error';

/**
 * Set by MailService when it enqueues an email, stored by the queue driver as it is and
 * handed back when the email settles. Drivers never read it: a new metric label or log
 * field touches only MailService (which fills it) and its consumer (EmailMetrics, Deliverer).
 * Values are strings so every driver can store them (memory, Redis job data, SQLite rows).
 */
export type EmailMeta = Readonly<Record<string, string>>;

/** An email's final outcome, reported by its queue driver exactly once. */
export interface SettledEmail {
  id: string;
  client: string;
  status: 'sent' | 'failed';
  /** From acceptance to outcome, retries included. */
  durationSeconds: number;
  error?: DeliveryErrorInfo;
  attempts: number;
  /** What the email was enqueued with (see EmailMeta). */
  meta: EmailMeta;
  /**
   * Identifies this final transition where it can be reported twice (the redis driver's job
   * `finishedOn`): its webhook-id is derived from it, so a repeat is the same event.
   */
  eventKey?: string;
}
