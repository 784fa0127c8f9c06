import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MetricsEndpoint } from './metrics-endpoint';

/** /metrics on the API port; see MetricsEndpoint for what it answers. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController extends PrometheusController {
  constructor(private readonly endpoint: MetricsEndpoint) {
    super();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition; METRICS_AUTH when set)' })
  @ApiResponse({ status: 200, description: 'Metrics.', content: { 'text/plain': {} } })
  @ApiResponse({ status: 401, description: 'METRICS_AUTH is set and did not match.' })
  override async index(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Req() request?: FastifyRequest,
  ): Promise<string> {
    const result = await this.endpoint.handle(request?.headers ?? {}, true);
    void reply.status(result.status).headers(result.headers);
    return result.body;
  }
}
