import type { Provider } from '@nestjs/common';
import { QueueDepth } from '../../metrics/queue-depth';
import { DELIVERY_QUEUE } from '../mail.constants';
import { MemoryDeliveryQueue } from './memory-delivery-queue';

/** The delivery queue driver chosen by QUEUE_DRIVER. */
export const queueProvider: Provider = {
  provide: DELIVERY_QUEUE,
  inject: [MemoryDeliveryQueue, QueueDepth],
  useFactory: (memory: MemoryDeliveryQueue, depth: QueueDepth) => {
    depth.setSizeReader(() => memory.pendingCount());
    return memory;
  },
};
