import type { RelayAvailability } from '../mail-transport';
import type { BuiltMessage } from './message-builder';
import { handsOver } from './smtp-classify';
import { SmtpDeliveryError } from './smtp-error';
import { wakeAll, type SmtpRelay } from './smtp-relay';
import type { TransactionResult } from './smtp-transaction';

/** The relays of SMTP_URL in order: mail goes to the first that can take it. */
export class RelaySet {
  readonly availability: RelayAvailability;
  private readonly listeners = new Set<() => void>();

  constructor(readonly relays: readonly SmtpRelay[]) {
    for (const relay of relays) {
      relay.onAvailable(() => {
        // The set turned available only if no other relay already was.
        if (relays.some((r) => r !== relay && r.available())) return;
        wakeAll(this.listeners);
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
