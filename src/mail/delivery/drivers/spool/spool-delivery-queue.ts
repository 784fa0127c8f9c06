import type { MailConfig } from '../../../../config/mail.config';
import type { Deliverer } from '../../deliverer';
import { LocalDeliveryQueue } from '../local/local-delivery-queue';
import { SpoolEmailStore } from './spool-email-store';
import type { SpoolIdempotencyStore } from './spool-idempotency-store';
import type { SpoolSynchronous } from './spool-store';

/**
 * How long closing waits for sends still in flight after the drain: part of the shutdown
 * bound (README, "Shutdown"). Sends not finished by then are retried after the next start.
 */
export const SPOOL_CLOSE_GRACE_MS = 2_000;

export interface SpoolSettings {
  path: string;
  synchronous: SpoolSynchronous;
  idempotencyTtlMs: number;
  /** How long close waits for sends in flight; unfinished ones are retried on the next start. */
  closeGraceMs: number;
}

/**
 * The durable embedded queue: the local delivery loop over the SQLite spool. Every accepted
 * email is committed before enqueue resolves, retried across restarts with its attempt count
 * and next-attempt time, and kept after its outcome for the retention window.
 */
export class SpoolDeliveryQueue extends LocalDeliveryQueue {
  readonly idempotency: SpoolIdempotencyStore;

  /** Opens and locks the spool: throws SpoolOpenError, so a bad spool stops start-up. */
  constructor(deliverer: Deliverer, config: MailConfig, settings: SpoolSettings) {
    const store = new SpoolEmailStore({
      ...settings,
      retentionMs: config.retentionMs,
      retentionMax: config.retentionMax,
    });
    super(deliverer, config, store, {
      name: 'SpoolDeliveryQueue',
      closeGraceMs: settings.closeGraceMs,
    });
    this.idempotency = store.idempotency;
    this.spool = store;
    store.commits.load = () => this.pendingCount();
  }

  private readonly spool: SpoolEmailStore;

  /** False while draining, and while the spool cannot write (readiness, issue 25). */
  override isAccepting(): boolean {
    return super.isAccepting() && this.spool.writes.healthy();
  }
}
