import type { RawSubmission } from './raw-submission';
import type { QuotaState } from './quota/quota.service';

/** An email as other modules hand it to MailService (the same shape as POST /send-email). */
export interface EmailMessage extends Partial<RawSubmission> {
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  /** Defaults to MAIL_FROM. */
  from?: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  /** A named template (TEMPLATES_DIR/<name>.hbs) rendered into `html` before queueing. */
  template?: string;
  /** The template's variables; every variable it uses must be present (strict mode). */
  context?: Record<string, unknown>;
  /** `content` is base64. */
  attachments?: Array<{ filename: string; contentType: string; content: string }>;
  /** Caller's ids (README, "Tags and metadata"); stored with the email, never a metric label. */
  tags?: string[];
  metadata?: Record<string, string>;
  /** Allow-listed headers only (src/mail/headers/custom-headers.ts); validate with SendEmailDto. */
  headers?: Record<string, string>;
}

export interface SendOptions {
  /** Whose email this is: the `client` label of its metrics. */
  client?: string;
  /** How long to wait for the outcome; 0 returns as soon as it is queued. Default SEND_WAIT_MS. */
  waitMs?: number;
  /** performance.now() when the request arrived, if earlier than this call. */
  startedAt?: number;
  /** Idempotency-Key: a repeat by the same client returns the first email, never sends again. */
  idempotencyKey?: string;
  /** The submitting request's id, logged with the email's final outcome. */
  requestId?: string;
  /** Told the client's quota after this email counted against it (RateLimit-* headers). */
  onQuota?: (state: QuotaState) => void;
}
