import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import type { DeliveryQueue } from '../delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from '../mail.constants';

/** A probe answers within the kubelet's timeout even when the queue's store is slow. */
const SIZE_BOUND_MS = 250;

/**
 * Readiness of the delivery queue: accepting emails (not draining, store reachable) and not
 * full. A size the store does not report within SIZE_BOUND_MS counts as not full: a slow
 * store is the driver's `isAccepting()` to judge, and a probe must never hang on it.
 */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    @Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue,
    private readonly indicators: HealthIndicatorService,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    if (!this.queue.isAccepting()) {
      return indicator.down({ message: 'not accepting emails (draining or store unreachable)' });
    }
    const size = await this.boundedSize();
    if (size !== undefined && size >= this.config.queueCapacity) {
      return indicator.down({ message: 'delivery queue is full' });
    }
    return indicator.up();
  }

  private async boundedSize(): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SIZE_BOUND_MS);
    });
    try {
      return await Promise.race([this.queue.size().catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
