import type { RecipientOutcome } from '../outcomes/recipient-outcomes';
import type { DeliveryErrorInfo } from './delivery-error';

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
  /** Recipients reported undeliverable after sending (bounces), when any were. */
  recipients?: RecipientOutcome[];
}

export function isSettled(view: EmailView): boolean {
  return view.status === 'sent' || view.status === 'failed';
}
