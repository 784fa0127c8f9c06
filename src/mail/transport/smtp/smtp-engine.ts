import type {
  MailTransport,
  OutgoingEmail,
  RelayAvailability,
  RelayHealth,
  RelayStatus,
  TransportReceipt,
} from '../mail-transport';
import { buildMessage, type BuiltMessage } from './message-builder';
import type { PoolStats, SmtpPool } from './smtp-pool';
import type { SmtpEngineOptions } from './smtp-options';
import { SmtpRelay } from './smtp-relay';
import { releasePayload } from './payload-pool';
import { RelaySet } from './relay-set';
import type { RejectedRecipient } from './smtp-transaction';
import { isNo8BitMime, SmtpDeliveryError } from './smtp-error';

/** The header tying a delivered message back to its email id (same as mail.constants). */
const DEFAULT_ID_HEADER = 'X-Mailwatch-Id';

/** One relay of several: its label and how to reach it. */
export interface RelaySpec {
  name: string;
  options: SmtpEngineOptions;
}

export interface SmtpReceipt extends TransportReceipt {
  accepted: string[];
  /** Recipients the relay refused permanently while it accepted the others. */
  rejected: RejectedRecipient[];
}

/**
 * mailwatch's own SMTP delivery engine (README, "Delivery engine"): per relay a pipelining
 * pool with a watchdog on every send, relays tried in order (relay-set.ts). It rejects only
 * with SmtpDeliveryError, already classified.
 */
export class SmtpEngineTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly set: RelaySet;
  /** Whether to send 8-bit text as 8bit; false once a relay refused it for lack of 8BITMIME. */
  private eightBitMime = true;
  readonly availability: RelayAvailability;

  /** One relay (`options`, labelled `relayName`), or several in failover order. */
  constructor(
    relays: SmtpEngineOptions | readonly RelaySpec[],
    /** Shown in logs and health output; never the URL (it may carry credentials). */
    readonly target: string,
    private readonly idHeader = DEFAULT_ID_HEADER,
    relayName = 'primary',
  ) {
    const specs = Array.isArray(relays)
      ? (relays as readonly RelaySpec[])
      : [{ name: relayName, options: relays as SmtpEngineOptions }];
    this.set = new RelaySet(specs.map((spec) => new SmtpRelay(spec.name, spec.options)));
    this.availability = this.set.availability;
  }

  get relayList(): readonly SmtpRelay[] {
    return this.set.relays;
  }

  /** Up if any relay is up, down if every one is down; undefined before the first contact. */
  get up(): boolean | undefined {
    const seen = this.set.relays.map((r) => r.up);
    if (seen.includes(true)) return true;
    return seen.every((up) => up === false) ? false : undefined;
  }

  relayHealth(): RelayHealth {
    return { up: this.up, possibleDuplicates: this.stats.possibleDuplicates };
  }

  relays(): RelayStatus[] {
    return this.set.relays.map((r) => ({
      name: r.name,
      up: r.up,
      ...(r.refused ? { refused: r.refused } : {}),
      available: r.available(),
      possibleDuplicates: r.pool.stats.possibleDuplicates,
      attempts: Object.fromEntries(r.attempts),
    }));
  }

  /** Health changes of the first relay (the only one, outside failover setups). */
  set onHealth(listener: ((up: boolean) => void) | undefined) {
    this.set.relays[0].onHealth = listener;
  }

  /** Summed over the relays. */
  get stats(): PoolStats & SmtpPool['size'] {
    const sum: Record<string, number> = {};
    for (const relay of this.set.relays) {
      for (const [key, value] of Object.entries({ ...relay.pool.stats, ...relay.pool.size }))
        sum[key] = (sum[key] ?? 0) + value;
    }
    return sum as unknown as PoolStats & SmtpPool['size'];
  }

  async send(email: OutgoingEmail, emailId: string): Promise<SmtpReceipt> {
    let built = await this.build(email, emailId);
    let result;
    try {
      result = await this.sendBuilt(built);
    } catch (err) {
      // The relay stopped offering 8BITMIME (or never did): the parts sent 8bit by choice go
      // quoted-printable from now on. Refused before DATA, so nothing was delivered.
      if (!built.chose8bit || !isNo8BitMime(err)) throw err;
      this.eightBitMime = false;
      built = await this.build(email, emailId);
      result = await this.sendBuilt(built);
    }
    return {
      messageId: built.messageId,
      response: result.response,
      accepted: result.accepted,
      rejected: result.rejected,
      ...(this.set.relays.length > 1 ? { relay: result.relay } : {}),
    };
  }

  /**
   * Once a send settles, whether it went, failed or timed out, no connection writes its
   * payload again (the pool closes a connection it gives up on): a pooled payload's buffer
   * may then serve another message (payload-pool.ts).
   */
  private async sendBuilt(built: BuiltMessage) {
    try {
      return await this.set.send(built);
    } finally {
      releasePayload(built.payload);
    }
  }

  private async build(email: OutgoingEmail, emailId: string): Promise<BuiltMessage> {
    try {
      return await buildMessage(email, emailId, this.idHeader, this.eightBitMime);
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
  }

  /** Resolves when any relay takes a session (TLS and AUTH included); else the first's error. */
  async verify(): Promise<void> {
    const outcomes = await Promise.allSettled(this.set.relays.map((r) => r.verify()));
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (outcomes.some((o) => o.status === 'fulfilled') || !failure) return;
    throw failure.reason;
  }

  /** Keeps `up` current while no mail flows (see SmtpRelay.startHealthProbe). */
  startHealthProbe(intervalMs: number): void {
    this.set.relays.forEach((r) => r.startHealthProbe(intervalMs));
  }

  async close(graceMs?: number): Promise<void> {
    await Promise.all(this.set.relays.map((r) => r.close(graceMs)));
  }

  /** Nest calls this after the queue drained (main.ts): QUIT every connection. */
  onApplicationShutdown(): Promise<void> {
    return this.close(2000);
  }
}
