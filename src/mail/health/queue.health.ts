import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DeliveryQueue } from '../delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from '../mail.constants';

/** Readiness of the delivery queue: accepting emails (not draining, store reachable). */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    @Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return this.queue.isAccepting()
      ? indicator.up()
      : indicator.down({ message: 'not accepting emails (draining or store unreachable)' });
  }
}
