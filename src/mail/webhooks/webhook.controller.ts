import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, type CallerContext } from '../../core/client-identity';
import { ApiClientHeader, ApiCommonStatuses } from '../http/mail-api.docs';
import { WebhookDispatcher } from './webhook-dispatcher';

const ENDPOINT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', description: '`<client>#<n>`: the n-th endpoint of the client' },
    client: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    paused: { type: 'boolean', description: 'Failing for WEBHOOK_PAUSE_AFTER_SECONDS' },
    failingSince: { type: 'string', format: 'date-time' },
    lastFailure: { type: 'string', description: 'e.g. `HTTP 500`, `ECONNREFUSED`' },
    nextProbeAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'client', 'events', 'paused'],
};

/** Webhook endpoint status (README, "Webhooks"): the caller's endpoints, operators see all. */
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhookController {
  constructor(private readonly dispatcher: WebhookDispatcher) {}

  @Get()
  @ApiOperation({
    summary: "The caller's webhook endpoints and whether this replica has paused them",
  })
  @ApiClientHeader()
  @ApiResponse({
    status: 200,
    description: 'URLs and secrets are never shown.',
    schema: {
      type: 'object',
      properties: { endpoints: { type: 'array', items: ENDPOINT_SCHEMA } },
    },
  })
  @ApiCommonStatuses()
  list(@Caller() caller: CallerContext) {
    const endpoints = this.dispatcher
      .statuses()
      .filter(({ endpoint }) => caller.operator || endpoint.client === caller.client)
      .map(({ endpoint, ...status }) => ({
        id: endpoint.id,
        client: endpoint.client,
        events: endpoint.events,
        ...status,
      }));
    return { endpoints };
  }
}
