import { Inject, Injectable } from '@nestjs/common';
import { mailConfig, type MailConfig } from '../config/mail.config';
import type { DeliveryQueue } from '../mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE, MAIL_TRANSPORT } from '../mail/mail.constants';
import type { MailTransport, RelayStatus } from '../mail/transport/mail-transport';
import type { StatusOperationsData, StatusRelayState } from './status-data';

/** Dead letters counted per poll at most: past it the page shows "1000+". */
export const DEAD_LETTER_COUNT_MAX = 1000;

function state(r: Pick<RelayStatus, 'up' | 'refused'>): StatusRelayState {
  if (r.refused) return `refused_${r.refused}`;
  return r.up === undefined ? 'unknown' : r.up ? 'up' : 'down';
}

/**
 * What on-call needs beside the metrics (issue 25): each relay's state, the one behind
 * email_smtp_up{relay} (replica-wide, by name, never a host), and the dead letters the caller
 * may list at GET /emails?status=failed (a client key its own, an operator every client's).
 * Neither does I/O on the relays; the count reads the queue's store, bounded.
 */
@Injectable()
export class StatusOperations {
  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue,
    @Inject(mailConfig.KEY) private readonly mail: MailConfig,
  ) {}

  async read(client?: string): Promise<StatusOperationsData> {
    // With Redis down the listing fails: the page must still load and say intake is refused.
    const failed = await this.queue
      .listFailed(DEAD_LETTER_COUNT_MAX + 1, client)
      .catch(() => undefined);
    return {
      relays: this.relays(),
      intake: this.queue.isAccepting() ? 'accepting' : 'refusing',
      deadLetters: failed
        ? {
            count: Math.min(failed.length, DEAD_LETTER_COUNT_MAX),
            more: failed.length > DEAD_LETTER_COUNT_MAX,
          }
        : { count: null, more: false },
    };
  }

  /** Per relay in failover order; the single relay as SMTP_RELAY_NAME; none with the outbox. */
  private relays(): StatusOperationsData['relays'] {
    if (this.transport.relays)
      return this.transport.relays().map((r) => ({ name: r.name, state: state(r) }));
    const health = this.transport.relayHealth?.();
    return health ? [{ name: this.mail.smtpRelayName, state: state(health) }] : [];
  }
}
