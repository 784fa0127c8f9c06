import type { RecipientOutcome } from '../outcomes/recipient-outcomes';
import type { DeliveryErrorInfo } from './delivery-error';
import type { EmailMeta } from './settled-email';

/**
 * `deferred`: waiting for its next attempt after a temporary failure (`nextAttemptAt`,
 * `lastError`), or for a relay to come back; stored as `queued`, shown as `deferred`.
 */
export type EmailStatus = 'queued' | 'deferred' | 'sending' | 'sent' | 'failed';

/** How an unfinished email is shown: `queued` after a failure means it is deferred. */
export function shownStatus(status: EmailStatus, lastError: unknown): EmailStatus {
  return status === 'queued' && lastError !== undefined ? 'deferred' : status;
}

/** The state of one email as GET /emails/:id and the send endpoint report it. */
export interface EmailView {
  id: string;
  status: EmailStatus;
  client: string;
  attempts: number;
  messageId?: string;
  lastError?: DeliveryErrorInfo;
  createdAt: string;
  updatedAt: string;
  /** When the next attempt is due, while waiting to retry. */
  nextAttemptAt?: string;
  /**
   * What the email was enqueued with (EmailMeta), for MailService and the HTTP layer, which
   * show parts of it (tags, metadata, suppressed recipients); never sent to callers as is.
   */
  meta?: EmailMeta;
  /** Recipients reported undeliverable after sending (bounces), when any were. */
  recipients?: RecipientOutcome[];
}

export function isSettled(view: EmailView): boolean {
  return view.status === 'sent' || view.status === 'failed';
}
