import type { RelayAvailability } from '../mail-transport';
import type { BuiltMessage } from './message-builder';
import { SmtpDeliveryError } from './smtp-error';
import type { SmtpRelay } from './smtp-relay';
import type { TransactionResult } from './smtp-transaction';

/**
 * Whether a failure on one relay hands the message to the next (README, "Several relays").
 * Yes when it says nothing about the message: the relay is down, timed out, deferred (4xx,
 * 421), refused the session or our credentials. No when the relay judged the message (5xx to
 * MAIL, RCPT, DATA or its end): asking another relay to take what one refused hurts the
 * sender's reputation with both and hides a real refusal. No either when the message may
 * already be delivered (connection lost after the body): another relay would duplicate it.
 */
export function handsOver(error: SmtpDeliveryError): boolean {
  if (error.possibleDuplicate) return false;
  if (error.code === 'rejected' || error.code === 'message') return false;
  return error.retryable || error.code === 'auth';
}

/** The relays of SMTP_URL in order: mail goes to the first that can take it. */
export class RelaySet {
  readonly availability: RelayAvailability;
  private readonly listeners = new Set<() => void>();

  constructor(readonly relays: readonly SmtpRelay[]) {
    for (const relay of relays) {
      relay.onAvailable(() => {
        // The set turned available only if no other relay already was.
        if (relays.some((r) => r !== relay && r.available())) return;
        this.listeners.forEach((listener) => listener());
      });
    }
    this.availability = {
      available: () => relays.some((r) => r.available()),
      onAvailable: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }

  /**
   * Tries the relays in order, skipping those known down while another is up (when all are
   * down each is still asked: a stalled one fails at once, a refusing one costs one connect).
   * The error thrown is the last relay's, with `relay` naming which one answered it.
   */
  async send(message: BuiltMessage): Promise<TransactionResult & { relay: string }> {
    const anyUp = this.relays.some((r) => r.available());
    let last: SmtpDeliveryError | undefined;
    for (const relay of this.relays) {
      if (anyUp && !relay.available()) continue;
      try {
        return { ...(await relay.send(message)), relay: relay.name };
      } catch (err) {
        const error = err as SmtpDeliveryError;
        // Named only among several: a single relay's answers look as they always did.
        if (this.relays.length > 1) error.relay = relay.name;
        if (!(error instanceof SmtpDeliveryError) || !handsOver(error)) throw error;
        last = error;
      }
    }
    throw last!;
  }

  get(name: string): SmtpRelay | undefined {
    return this.relays.find((r) => r.name === name);
  }
}
