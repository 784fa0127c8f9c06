import type { DeliveryErrorInfo } from '../delivery/delivery-error';
import type { OutgoingEmail, TransportReceipt } from '../transport/mail-transport';
import { normaliseAddress } from './suppression-list';

export interface Refusal {
  address: string;
  reason: string;
}

/** Entries kept at most: an email settles right after its last attempt, so few are ever held. */
const MAX_PENDING = 10_000;
/** RFC 3463 enhanced codes about the mailbox itself (bad address, disabled mailbox). */
const ABOUT_MAILBOX = /\b5\.(1\.\d{1,3}|2\.1)\b/;

/**
 * Which recipients a relay refused permanently, kept from the attempt (which sees the
 * receipt or error) until the email settles (which knows the client): Deliverer then hands
 * them to the suppression list. A refusal counts when it is about the recipient: a 5xx to its
 * RCPT (listed as `rejected` in the receipt, or every recipient when all were refused), or a
 * 5xx after DATA whose enhanced code says the mailbox is bad (5.1.x, 5.2.1). A 5xx about the
 * content (5.7.1 spam, 5.3.4 size) suppresses nobody.
 */
export class RefusalTracker {
  private readonly pending = new Map<string, Refusal[]>();

  sent(id: string, receipt: TransportReceipt): void {
    const rejected = receipt.rejected?.filter((r) => r.smtpCode >= 500 && r.smtpCode < 600);
    if (!rejected?.length) return;
    this.keep(
      id,
      rejected.map((r) => ({
        address: normaliseAddress(r.address),
        reason: `${r.smtpCode} at RCPT`,
      })),
    );
  }

  /** `cause` is what the transport threw: the SMTP engine's error names its stage. */
  failed(id: string, email: OutgoingEmail, cause: unknown, error: DeliveryErrorInfo): void {
    if (error.code !== 'rejected' || error.smtpCode === null || error.smtpCode < 500) return;
    const stage = (cause as { stage?: unknown } | null)?.stage;
    const reply = /: (\d{3}[ -].*)$/.exec(error.message)?.[1] ?? String(error.smtpCode);
    const aboutRecipient = stage === 'rcpt' || (stage !== 'mail' && ABOUT_MAILBOX.test(reply));
    if (!aboutRecipient) return;
    const all = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])].map(normaliseAddress);
    this.keep(
      id,
      [...new Set(all)].map((address) => ({ address, reason: reply })),
    );
  }

  peek(id: string): Refusal[] | undefined {
    return this.pending.get(id);
  }

  take(id: string): Refusal[] | undefined {
    const found = this.pending.get(id);
    if (found) this.pending.delete(id);
    return found;
  }

  private keep(id: string, refusals: Refusal[]): void {
    // A driver that lost an email between attempt and settle (crash) must not leak entries.
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(id, refusals);
  }
}
