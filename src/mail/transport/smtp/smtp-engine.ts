import type {
  MailTransport,
  OutgoingEmail,
  RelayAvailability,
  RelayHealth,
  TransportReceipt,
} from '../mail-transport';
import { buildMessage } from './message-builder';
import type { PoolStats, SmtpPool } from './smtp-pool';
import type { SmtpEngineOptions } from './smtp-options';
import { SmtpRelay } from './smtp-relay';
import type { RejectedRecipient } from './smtp-transaction';
import { SmtpDeliveryError } from './smtp-error';

/** The header tying a delivered message back to its email id (same as mail.constants). */
const DEFAULT_ID_HEADER = 'X-Mailwatch-Id';

export interface SmtpReceipt extends TransportReceipt {
  accepted: string[];
  /** Recipients the relay refused permanently while it accepted the others. */
  rejected: RejectedRecipient[];
}

/**
 * mailwatch's own SMTP delivery engine (README, "Delivery engine"): a pipelining pool with
 * a watchdog on every send. It rejects only with SmtpDeliveryError, already classified.
 */
export class SmtpEngineTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly relay: SmtpRelay;
  private readonly pool: SmtpPool;
  readonly availability: RelayAvailability;

  constructor(
    options: SmtpEngineOptions,
    /** Shown in logs and health output; never the URL (it may carry credentials). */
    readonly target: string,
    private readonly idHeader = DEFAULT_ID_HEADER,
    relayName = 'primary',
  ) {
    this.relay = new SmtpRelay(relayName, options);
    this.pool = this.relay.pool;
    this.availability = {
      available: () => this.relay.available(),
      onAvailable: (listener) => this.relay.onAvailable(listener),
    };
  }

  /** Relay health as last seen: true/false, undefined before the first contact. */
  get up(): boolean | undefined {
    return this.relay.up;
  }

  relayHealth(): RelayHealth {
    return { up: this.relay.up, possibleDuplicates: this.pool.stats.possibleDuplicates };
  }

  set onHealth(listener: ((up: boolean) => void) | undefined) {
    this.relay.onHealth = listener;
  }

  get stats(): PoolStats & SmtpPool['size'] {
    return { ...this.pool.stats, ...this.pool.size };
  }

  async send(email: OutgoingEmail, emailId: string): Promise<SmtpReceipt> {
    let built;
    try {
      built = await buildMessage(email, emailId, this.idHeader);
    } catch (err) {
      if (err instanceof SmtpDeliveryError) throw err;
      throw new SmtpDeliveryError(
        'message',
        null,
        'the message could not be built',
        false,
        'message',
      );
    }
    const result = await this.relay.send(built);
    return {
      messageId: built.messageId,
      response: result.response,
      accepted: result.accepted,
      rejected: result.rejected,
    };
  }

  /** Opens a fresh session (TLS and AUTH included) and QUITs it; bounded by the timeouts. */
  verify(): Promise<void> {
    return this.relay.verify();
  }

  /** Keeps `up` current while no mail flows (see SmtpRelay.startHealthProbe). */
  startHealthProbe(intervalMs: number): void {
    this.relay.startHealthProbe(intervalMs);
  }

  async close(graceMs?: number): Promise<void> {
    await this.relay.close(graceMs);
  }

  /** Nest calls this after the queue drained (main.ts): QUIT every connection. */
  onApplicationShutdown(): Promise<void> {
    return this.close(2000);
  }
}
