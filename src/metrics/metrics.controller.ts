import { Controller, Get, Req, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MetricsEndpoint } from './metrics-endpoint';

/** /metrics on the API port; see MetricsEndpoint for what it answers. */
@Controller('metrics')
export class MetricsController extends PrometheusController {
  constructor(private readonly endpoint: MetricsEndpoint) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Req() request?: FastifyRequest,
  ): Promise<string> {
    const result = await this.endpoint.handle(request?.headers ?? {}, true);
    void reply.status(result.status).headers(result.headers);
    return result.body;
  }
}
