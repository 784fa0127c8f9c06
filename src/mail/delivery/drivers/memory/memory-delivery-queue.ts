import type { MailConfig } from '../../../../config/mail.config';
import type { Deliverer } from '../../deliverer';
import { LocalDeliveryQueue } from '../local/local-delivery-queue';
import { MemoryEmailStore } from './memory-email-store';

/**
 * The embedded queue in process memory: the local delivery loop over a MemoryEmailStore.
 * A crash loses what it holds, and a drain that times out lists the ids it loses (use the
 * spool or redis driver when that matters).
 */
export class MemoryDeliveryQueue extends LocalDeliveryQueue {
  constructor(deliverer: Deliverer, config: MailConfig) {
    super(deliverer, config, new MemoryEmailStore(config), {
      name: 'MemoryDeliveryQueue',
      closeGraceMs: 0,
    });
  }
}
