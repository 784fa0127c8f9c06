import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { QueueHealthIndicator } from './queue.health';
import { TransportHealthIndicator } from './transport.health';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly transport: TransportHealthIndicator,
    private readonly queue: QueueHealthIndicator,
  ) {}

  /** Liveness: the process answers. Nothing external, so a slow relay never restarts pods. */
  @Get('healthz')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: the transport is reachable and the queue accepts work (not draining). */
  @Get('readyz')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.queue.check('queue'),
      () => this.transport.check('transport'),
    ]);
  }
}
