import type { AttemptOutcome, Deliverer } from '../delivery/deliverer';
import type { SettledEmail } from '../delivery/settled-email';
import type { OutgoingEmail } from '../transport/mail-transport';

type Script = AttemptOutcome | Promise<AttemptOutcome>;

/**
 * A Deliverer for queue specs: each attempt takes the next scripted outcome (default: sent),
 * and every settled outcome is recorded.
 */
export class FakeDeliverer {
  readonly attempts: Array<{ id: string; attempt: number }> = [];
  readonly settledEmails: SettledEmail[] = [];
  private readonly script: Script[] = [];

  /** Outcomes of the next attempts, in order. */
  next(...outcomes: Script[]): this {
    this.script.push(...outcomes);
    return this;
  }

  attempt(_email: OutgoingEmail, id: string, attempt: number): Promise<AttemptOutcome> {
    this.attempts.push({ id, attempt });
    return Promise.resolve(
      this.script.shift() ?? { kind: 'sent', receipt: { messageId: `<${id}@test>` } },
    );
  }

  /** Relay availability as a test sets it; `release()` calls the listeners. */
  relayUp = true;
  private listeners = new Set<() => void>();

  available(): boolean {
    return this.relayUp;
  }

  onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  expiry(): undefined {
    return undefined;
  }

  setRelayUp(up: boolean): void {
    this.relayUp = up;
    if (up) [...this.listeners].forEach((listener) => listener());
  }

  /** Emails reported deferred (Deliverer.deferred: the `email.deferred` webhook). */
  readonly deferredIds: string[] = [];

  deferred(email: { id: string }): void {
    this.deferredIds.push(email.id);
  }

  announce(): Promise<void> {
    return Promise.resolve();
  }

  settled(outcome: SettledEmail): void {
    this.settledEmails.push(outcome);
  }

  asDeliverer(): Deliverer {
    return this as unknown as Deliverer;
  }
}

export const TRANSIENT = {
  code: 'deferred',
  smtpCode: 451,
  message: 'SMTP server deferred the message: 451 try later',
  retryable: true,
} as const;

export const PERMANENT = {
  code: 'rejected',
  smtpCode: 550,
  message: 'SMTP server rejected the message: 550 no such user',
  retryable: false,
} as const;
