import type { Job, JobType } from 'bullmq';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { DeliveryErrorInfo } from '../../delivery-error';
import type { EmailStatus, EmailView } from '../../email-view';
import type { EmailMeta } from '../../settled-email';

export const QUEUE_NAME = 'email-delivery';
export const JOB_NAME = 'send';
export const BACKOFF_TYPE = 'deliverer';
/** States counted as backlog: accepted and not finally resolved. */
export const BACKLOG_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized'];

/** What a delivery job carries in Redis, and how it maps to an email's view. */
export interface JobData {
  email: OutgoingEmail;
  client: string;
  /** MailService's metadata (request id, labels), handed back on whichever replica settles it. */
  meta: EmailMeta;
  /** The replica that accepted it, whose waiters hear of its outcome (OutcomeNotices); absent before issue 20. */
  origin?: string;
}

/** What the worker writes on the job between attempts (BullMQ's progress field). */
export interface JobProgress {
  attempts?: number;
  lastError?: DeliveryErrorInfo;
  nextAttemptAt?: number;
  at?: number;
}

export interface JobResult {
  messageId: string;
  attempts: number;
}

/** Thrown by the processor on a transient failure; the backoff strategy reads the delay. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    error: DeliveryErrorInfo,
  ) {
    super(error.message);
    this.name = 'RetryLater';
  }
}

/** The email's view, read from its job: any replica can answer GET /emails/:id. */
export function jobToView(job: Job<JobData, JobResult>, state: JobType | 'unknown'): EmailView {
  const progress = progressOf(job);
  const status = statusOf(state);
  const result = job.returnvalue as JobResult | null | undefined;
  const attempts =
    status === 'sent'
      ? (result?.attempts ?? job.attemptsMade)
      : status === 'sending'
        ? job.attemptsMade + 1
        : (progress.attempts ?? job.attemptsMade);
  const updatedAt = Math.max(
    job.timestamp,
    job.processedOn ?? 0,
    job.finishedOn ?? 0,
    progress.at ?? 0,
  );
  return {
    id: job.id!,
    status,
    client: job.data.client,
    attempts,
    messageId: status === 'sent' ? result?.messageId : undefined,
    lastError: status === 'sent' ? undefined : progress.lastError,
    createdAt: new Date(job.timestamp).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    nextAttemptAt:
      state === 'delayed' && progress.nextAttemptAt
        ? new Date(progress.nextAttemptAt).toISOString()
        : undefined,
    meta: job.data.meta,
  };
}

function statusOf(state: JobType | 'unknown'): EmailStatus {
  switch (state) {
    case 'completed':
      return 'sent';
    case 'failed':
      return 'failed';
    case 'active':
      return 'sending';
    case 'delayed':
      // Waiting for its next attempt after a temporary failure.
      return 'deferred';
    default:
      return 'queued';
  }
}

export function progressOf(job: Job): JobProgress {
  const progress: unknown = job.progress;
  return typeof progress === 'object' && progress !== null ? progress : {};
}
