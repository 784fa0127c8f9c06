import type {
  MailTransport,
  OutgoingEmail,
  RelayHealth,
  TransportReceipt,
} from '../mail-transport';
import { buildMessage } from './message-builder';
import { SmtpSession } from './smtp-session';
import { SmtpPool, type PoolStats } from './smtp-pool';
import type { SmtpEngineOptions } from './smtp-options';
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
  private readonly pool: SmtpPool;
  private probe?: NodeJS.Timeout;
  private probing?: Promise<void>;

  constructor(
    private readonly options: SmtpEngineOptions,
    /** Shown in logs and health output; never the URL (it may carry credentials). */
    readonly target: string,
    private readonly idHeader = DEFAULT_ID_HEADER,
  ) {
    this.pool = new SmtpPool(options);
  }

  /** Relay health as last seen: true/false, undefined before the first contact. */
  get up(): boolean | undefined {
    return this.pool.up;
  }

  relayHealth(): RelayHealth {
    return { up: this.pool.up, possibleDuplicates: this.pool.stats.possibleDuplicates };
  }

  set onHealth(listener: ((up: boolean) => void) | undefined) {
    this.pool.onHealth = listener;
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
    const result = await this.pool.send(built);
    return {
      messageId: built.messageId,
      response: result.response,
      accepted: result.accepted,
      rejected: result.rejected,
    };
  }

  /** Opens a fresh session (TLS and AUTH included) and QUITs it; bounded by the timeouts. */
  async verify(): Promise<void> {
    let session: SmtpSession;
    try {
      session = await SmtpSession.open(this.options);
    } catch (err) {
      this.pool.noteHealth(false);
      throw err;
    }
    this.pool.noteHealth(true);
    await session.quit();
  }

  /**
   * Keeps `up` current while no mail flows: when nothing has touched the relay for
   * `intervalMs`, opens and QUITs a session. At most one probe runs at a time.
   */
  startHealthProbe(intervalMs: number): void {
    if (this.probe) return;
    const tick = () => {
      if (this.probing || Date.now() - this.pool.lastContact < intervalMs) return;
      this.probing = this.verify()
        .catch(() => undefined)
        .finally(() => (this.probing = undefined));
    };
    this.probe = setInterval(tick, intervalMs);
    this.probe.unref();
    tick();
  }

  async close(graceMs?: number): Promise<void> {
    clearInterval(this.probe);
    await this.pool.close(graceMs);
  }

  /** Nest calls this after the queue drained (main.ts): QUIT every connection. */
  onApplicationShutdown(): Promise<void> {
    return this.close(2000);
  }
}
