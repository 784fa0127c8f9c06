import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, type CallerContext } from '../../core/client-identity';
import { ApiError, invalidField } from '../../core/error-body';
import { isMailbox } from '../dto/mailbox.validator';
import { ApiClientHeader, ApiCommonStatuses, ApiStatuses } from '../http/mail-api.docs';
import {
  AddSuppressionDto,
  ListSuppressionsQueryDto,
  SuppressionTargetQueryDto,
} from './suppression.dto';
import { SuppressionList } from './suppression-list';
import type { SuppressionEntry } from './suppression-store';

const ENTRY_SCHEMA = {
  type: 'object',
  properties: {
    address: { type: 'string' },
    client: { type: 'string', description: '`*` when SUPPRESSION_SCOPE=shared' },
    source: { type: 'string', enum: ['refusal', 'bounce', 'api'] },
    reason: { type: 'string' },
    firstSeen: { type: 'string', format: 'date-time' },
    lastSeen: { type: 'string', format: 'date-time' },
    count: { type: 'integer' },
  },
};

function present(entry: SuppressionEntry) {
  return {
    address: entry.address,
    client: entry.scope,
    source: entry.source,
    reason: entry.reason,
    firstSeen: new Date(entry.firstSeen).toISOString(),
    lastSeen: new Date(entry.lastSeen).toISOString(),
    count: entry.count,
  };
}

/** A client's own list; an operator may name another (`client`), or list every one. */
function whose(caller: CallerContext, requested?: string): string {
  if (requested === undefined || requested === caller.client) return caller.client;
  if (!caller.operator) throw invalidField('client', 'only operators may name another client');
  return requested;
}

function addressParam(address: string): string {
  if (!isMailbox(address)) throw invalidField('address', 'address must be an email address');
  return address;
}

/** The suppression list API (README, "Suppression list"), scoped like every email route. */
@ApiTags('suppressions')
@Controller('suppressions')
export class SuppressionController {
  constructor(private readonly suppressions: SuppressionList) {}

  @Get()
  @ApiOperation({ summary: "List the caller's suppressed addresses (operators: every client's)" })
  @ApiClientHeader()
  @ApiResponse({
    status: 200,
    description: 'One page; pass `next` as `cursor` for the following one.',
    schema: {
      type: 'object',
      properties: { entries: { type: 'array', items: ENTRY_SCHEMA }, next: { type: 'string' } },
    },
  })
  @ApiStatuses(400)
  @ApiCommonStatuses()
  async list(@Query() query: ListSuppressionsQueryDto, @Caller() caller: CallerContext) {
    const client =
      caller.operator && query.client === undefined ? undefined : whose(caller, query.client);
    const page = await this.suppressions.list(client, query.limit, query.cursor);
    return { entries: page.entries.map(present), ...(page.next ? { next: page.next } : {}) };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Suppress an address: sends to it are refused with code suppressed' })
  @ApiClientHeader()
  @ApiResponse({ status: 201, description: 'On the list.', schema: ENTRY_SCHEMA })
  @ApiStatuses(400)
  @ApiCommonStatuses()
  async add(@Body() dto: AddSuppressionDto, @Caller() caller: CallerContext) {
    const client = whose(caller, dto.client);
    await this.suppressions.add(client, dto.address, dto.reason ?? 'added through the API', 'api');
    return present((await this.suppressions.get(client, dto.address))!);
  }

  @Get(':address')
  @ApiOperation({ summary: 'One suppressed address' })
  @ApiParam({ name: 'address', format: 'email' })
  @ApiResponse({ status: 200, description: 'On the list.', schema: ENTRY_SCHEMA })
  @ApiStatuses(400, 404)
  @ApiCommonStatuses()
  async find(
    @Param('address') address: string,
    @Query() query: SuppressionTargetQueryDto,
    @Caller() caller: CallerContext,
  ) {
    const entry = await this.suppressions.get(whose(caller, query.client), addressParam(address));
    if (!entry) throw new ApiError(404, 'not_found', 'that address is not on the suppression list');
    return present(entry);
  }

  @Delete(':address')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an address from the list: sends to it go out again' })
  @ApiParam({ name: 'address', format: 'email' })
  @ApiResponse({ status: 204, description: 'Removed.' })
  @ApiStatuses(400, 404)
  @ApiCommonStatuses()
  async remove(
    @Param('address') address: string,
    @Query() query: SuppressionTargetQueryDto,
    @Caller() caller: CallerContext,
  ): Promise<void> {
    if (!(await this.suppressions.remove(whose(caller, query.client), addressParam(address))))
      throw new ApiError(404, 'not_found', 'that address is not on the suppression list');
  }
}
