/** A validated attachment in nodemailer's shape (content stays base64 until the wire). */
export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  content: string;
  encoding: 'base64';
}

/** What a transport is asked to deliver; already validated and normalised. */
export interface OutgoingEmail {
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  attachments?: OutgoingAttachment[];
}

export interface TransportReceipt {
  /** Message-ID of the delivered message. */
  messageId: string;
  /** The server's final reply, e.g. `250 OK: queued as …`. */
  response?: string;
}

/**
 * A way to hand a message to the outside world. Implementations resolve only when the
 * message was accepted (SMTP 250 or the .eml file in place) and reject with the raw error
 * otherwise; classification into transient/permanent happens in one place, smtp-error.ts.
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  /** Human-readable target, never containing credentials. */
  readonly target: string;
  send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt>;
  /** Resolves when the transport can deliver right now. */
  verify(): Promise<void>;
}
