import { Injectable } from '@nestjs/common';
import type { EmailView } from '../delivery/email-view';

/** What happened to one recipient after the relay accepted the email (README, "Bounces"). */
export interface RecipientOutcome {
  address: string;
  /** `bounced`: a permanent failure report (hard); `deferred`: a temporary one (soft). */
  outcome: 'bounced' | 'deferred';
  type: 'hard' | 'soft';
  /** RFC 3463 status from the report, e.g. `5.1.1`, when it had one. */
  status?: string;
  /** The remote server's reply as reported (Diagnostic-Code), at most 300 characters. */
  diagnostic?: string;
  reportedAt: string;
}

/** Emails whose recipients' reports are kept; the oldest are forgotten past this. */
const MAX_EMAILS = 100_000;

/**
 * Recipient outcomes learnt after sending (bounces), shown with the email in
 * GET /emails/:id. Kept in memory per replica, bounded: a report outlives neither a restart
 * nor MAX_EMAILS newer ones (the suppression hook and the metric are the durable effects).
 */
@Injectable()
export class RecipientOutcomes {
  private readonly byEmail = new Map<string, RecipientOutcome[]>();

  /** Records `outcome`; a later report for the same address replaces an earlier one. */
  record(emailId: string, outcome: RecipientOutcome): void {
    const list = this.byEmail.get(emailId) ?? [];
    const kept = list.filter((o) => o.address !== outcome.address);
    // A soft report never downgrades a hard one already known for the address.
    const earlier = list.find((o) => o.address === outcome.address);
    kept.push(earlier?.type === 'hard' && outcome.type === 'soft' ? earlier : outcome);
    this.byEmail.delete(emailId);
    this.byEmail.set(emailId, kept);
    if (this.byEmail.size > MAX_EMAILS) {
      this.byEmail.delete(this.byEmail.keys().next().value!);
    }
  }

  /** `view` with its recipients' outcomes, when any were reported. */
  annotate(view: EmailView): EmailView {
    const recipients = this.byEmail.get(view.id);
    return recipients ? { ...view, recipients } : view;
  }
}
