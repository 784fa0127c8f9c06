import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueueHealthIndicator } from '../mail/health/queue.health';
import { TransportHealthIndicator } from '../mail/health/transport.health';

@ApiTags('operations')
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
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: the transport is reachable and the queue accepts work (not draining). */
  @Get('readyz')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: transport reachable, queue accepting, not draining' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.queue.check('queue'),
      () => this.transport.check('transport'),
    ]);
  }
}
