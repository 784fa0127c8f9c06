import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueueHealthIndicator } from '../mail/health/queue.health';
import { TransportHealthIndicator } from '../mail/health/transport.health';
import { ReadinessLog } from './readiness-log';

@ApiTags('operations')
@Controller()
export class HealthController {
  private readonly readiness = new ReadinessLog();

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

  /**
   * Readiness: this pod can accept work — the queue is accepting (not draining, store
   * reachable) and not full. The relay is shown, not checked (email_smtp_up tracks it).
   * Nothing here waits on the network beyond a short bound.
   */
  @Get('readyz')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: queue accepting and not full, not draining' })
  async ready(): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check([
        () => this.queue.check('queue'),
        () => this.transport.check('transport'),
      ]);
      this.readiness.ready();
      return result;
    } catch (err) {
      this.readiness.notReady(err);
      throw err;
    }
  }
}
