import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { DeliveryErrorInfo } from '../../delivery-error';
import type { EmailStatus, EmailView } from '../../email-view';
import type { EmailMeta } from '../../settled-email';

/** One email held by the memory driver. */
export interface Entry {
  id: string;
  client: string;
  /** Dropped once the email is sent; kept while failed so POST /emails/:id/retry can re-drive it. */
  email?: OutgoingEmail;
  status: EmailStatus;
  attempts: number;
  acceptedAt: number;
  meta: EmailMeta;
  createdAt: number;
  /** createdAt as ISO 8601, built once: every view of the email shows it. */
  createdIso?: string;
  updatedAt: number;
  nextAttemptAt?: number;
  messageId?: string;
  lastError?: DeliveryErrorInfo;
  retryTimer?: NodeJS.Timeout;
  waiters?: Array<() => void>;
}

/** The email's state as GET /emails/:id shows it. */
export function viewOf(entry: Entry): EmailView {
  const created = (entry.createdIso ??= new Date(entry.createdAt).toISOString());
  return {
    id: entry.id,
    status: entry.status,
    client: entry.client,
    attempts: entry.attempts,
    messageId: entry.messageId,
    lastError: entry.lastError,
    createdAt: created,
    updatedAt:
      entry.updatedAt === entry.createdAt ? created : new Date(entry.updatedAt).toISOString(),
    nextAttemptAt:
      entry.nextAttemptAt === undefined ? undefined : new Date(entry.nextAttemptAt).toISOString(),
  };
}
