import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { EmailView } from '../delivery/email-view';
import { RECIPIENT_OUTCOME_STORE, type RecipientOutcomeStore } from './recipient-outcome-store';

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

/**
 * Recipient outcomes learnt after sending (bounces), shown with the email in
 * GET /emails/:id. Kept where the queue driver keeps its emails (RecipientOutcomeStore), so
 * every replica shows them and a restart keeps them.
 */
@Injectable()
export class RecipientOutcomes implements OnApplicationShutdown {
  constructor(@Inject(RECIPIENT_OUTCOME_STORE) private readonly store: RecipientOutcomeStore) {}

  /** Stores `outcome`; a later report for the address replaces an earlier, except soft over hard. */
  record(emailId: string, outcome: RecipientOutcome): Promise<void> {
    return this.store.record(emailId, outcome, Date.now());
  }

  /** `view` with its recipients' outcomes, when any were reported. */
  async annotate(view: EmailView): Promise<EmailView> {
    const recipients = await this.store.list(view.id);
    return recipients.length > 0 ? { ...view, recipients } : view;
  }

  onApplicationShutdown(): void {
    this.store.close?.();
  }
}
