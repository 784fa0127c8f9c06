import type { RecipientOutcome } from './recipient-outcomes';
import { replaces, type RecipientOutcomeStore } from './recipient-outcome-store';

/**
 * QUEUE_DRIVER=memory: outcomes live as long as the process, like its emails; at most
 * `maxEmails` emails' (the oldest reported are forgotten first).
 */
export class MemoryRecipientOutcomeStore implements RecipientOutcomeStore {
  private readonly byEmail = new Map<string, RecipientOutcome[]>();

  constructor(private readonly maxEmails: number) {}

  record(emailId: string, outcome: RecipientOutcome): Promise<void> {
    const list = this.byEmail.get(emailId) ?? [];
    const at = list.findIndex((o) => o.address === outcome.address);
    if (at < 0) list.push(outcome);
    else if (replaces(outcome, list[at])) list[at] = outcome;
    // Re-inserted: the map's order is the order emails were last reported on.
    this.byEmail.delete(emailId);
    this.byEmail.set(emailId, list);
    if (this.byEmail.size > this.maxEmails) {
      this.byEmail.delete(this.byEmail.keys().next().value!);
    }
    return Promise.resolve();
  }

  list(emailId: string): Promise<RecipientOutcome[]> {
    return Promise.resolve(this.byEmail.get(emailId) ?? []);
  }
}
