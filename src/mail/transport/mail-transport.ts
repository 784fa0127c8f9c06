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
  /**
   * Envelope sender (MAIL FROM) when it differs from `from`: the per-email bounce address
   * (README, "Bounces"). Absent: `from`.
   */
  envelopeFrom?: string;
  /**
   * A complete message to send as is, base64 of its octets (SMTP submission, README "Sending
   * over SMTP"): transports send these bytes, not a message built from the fields above, so
   * DKIM signatures made by the submitter still verify. `to` holds every envelope recipient.
   */
  raw?: string;
  /**
   * Extra header lines from SendEmailDto's allow-list (List-Unsubscribe, In-Reply-To, …),
   * already validated as printable one-line ASCII: written to the wire exactly as given.
   */
  headers?: Readonly<Record<string, string>>;
}

export interface TransportReceipt {
  /** Message-ID of the delivered message. */
  messageId: string;
  /** The server's final reply, e.g. `250 OK: queued as …`. */
  response?: string;
  /** Recipients refused permanently while the others were accepted (README, "Partial acceptance"). */
  rejected?: Array<{ address: string; smtpCode: number }>;
  /** Which relay took it, when the transport has several (its `relay` label). */
  relay?: string;
}

/** What a transport with a remote relay knows about it, without any I/O. */
export interface RelayHealth {
  /** Whether the relay answered last time it was tried; undefined before the first contact. */
  up: boolean | undefined;
  /** Sends cut off after the whole message went out: the relay may have it (retry = duplicate). */
  possibleDuplicates: number;
}

/** One relay of a transport with several (README, "Several relays"). */
export interface RelayStatus extends RelayHealth {
  /** The `relay` label: chosen by the operator, never a hostname. */
  name: string;
  /** Set while it answers but refuses our credentials (`auth`) or our TLS (`tls`). */
  refused?: 'auth' | 'tls';
  /** False while it is known down and probed (RelayAvailability). */
  available: boolean;
  /** Attempts that reached it, by outcome: `sent` or a failure reason. */
  attempts: Readonly<Record<string, number>>;
}

/**
 * Whether any relay can take mail now: the queue's relay-aware deferral (README, "Delivery").
 * While `available()` is false the queue starts no attempt and consumes none; the transport
 * probes its relays with backoff and calls the `onAvailable` listeners when one answers again.
 */
export interface RelayAvailability {
  /** False only while every relay is known down (refused, timed out, 421 at greeting). */
  available(): boolean;
  /** Calls `listener` each time availability turns true again; returns the unsubscribe. */
  onAvailable(listener: () => void): () => void;
}

/**
 * A way to hand a message to the outside world; one folder per transport beside this file,
 * chosen in transport.factory.ts. `send()` resolves only when the message was accepted
 * (SMTP 250, the .eml file in place, the provider's 2xx) and otherwise rejects with a
 * DeliveryError (src/mail/delivery/delivery-error.ts) the transport has classified itself:
 * it alone knows its client library's errors. Anything else is counted `unknown`, retryable.
 */
export interface MailTransport {
  /** Shown by /readyz (`smtp`, `outbox`, …). */
  readonly kind: string;
  /** Human-readable target, never containing credentials. */
  readonly target: string;
  send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt>;
  /** Resolves when the transport can deliver right now. */
  verify(): Promise<void>;
  /** For email_smtp_up: absent on transports without a remote relay. Must not block. */
  relayHealth?(): RelayHealth;
  /** Per relay, in failover order: email_smtp_up{relay}, attempts, /readyz. Must not block. */
  relays?(): RelayStatus[];
  /** Relay-aware deferral: absent on transports that are always available (outbox). */
  readonly availability?: RelayAvailability;
}
