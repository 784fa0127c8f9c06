import type { DeliveryErrorInfo } from './delivery-error';
import type { EmailMeta } from './settled-email';

export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed';

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
}

export function isSettled(view: EmailView): boolean {
  return view.status === 'sent' || view.status === 'failed';
}
