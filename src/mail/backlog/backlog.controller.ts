import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, type CallerContext } from '../../core/client-identity';
import { ApiError } from '../../core/error-body';
import { RATE_LIMIT_HEADERS } from '../../openapi/response-examples';
import { schemaRef } from '../../openapi/schemas';
import { ListEmailsQueryDto, RedriveDto } from '../dto/list-emails.query';
import { presentView } from '../email-response';
import { ApiClientHeader, ApiCommonStatuses, ApiStatuses } from '../http/mail-api.docs';
import { BacklogService, type BacklogFilter } from './backlog.service';

const OPERATOR_ONLY = {
  status: 403,
  description: 'A client key named another client, or asked for an operator-only action.',
  schema: schemaRef('ErrorBody'),
};

function filterOf(dto: ListEmailsQueryDto | RedriveDto, status: BacklogFilter['status']) {
  const { client, tag, relay, reason, olderThan } = dto;
  return { status, client, tag, relay, reason, olderThan };
}

/** GET /emails and POST /emails/redrive (README, "Backlog and bulk re-drive"). */
@ApiTags('mail')
@Controller('emails')
export class BacklogController {
  constructor(private readonly backlog: BacklogService) {}

  @Get()
  @ApiOperation({
    summary: 'List emails by status (queued, deferred, sending, failed), one page at a time',
    description:
      'Unfinished emails oldest first, dead letters newest first. Client keys see their own; operator keys (OPERATOR_CLIENTS) every client’s, or one with `client`. Pass `next` as `cursor` for the following page.',
  })
  @ApiClientHeader()
  @ApiResponse({
    status: 200,
    description: 'One page of matching emails.',
    schema: schemaRef('DeadLetters'),
    headers: RATE_LIMIT_HEADERS,
  })
  @ApiResponse(OPERATOR_ONLY)
  @ApiStatuses(400)
  @ApiCommonStatuses()
  async list(@Query() query: ListEmailsQueryDto, @Caller() caller: CallerContext) {
    const filter = this.backlog.scoped(filterOf(query, query.status), caller);
    const page = await this.backlog.list(filter, query.limit, query.cursor);
    return {
      status: query.status,
      count: page.emails.length,
      emails: page.emails.map(presentView),
      ...(page.next === undefined ? {} : { next: page.next }),
    };
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Operators: re-drive failed emails matching the filters (at most `limit` per call)',
    description:
      'Each matching dead letter is queued again with a fresh lifetime, as POST /emails/{id}/retry does. `dryRun: true` counts the matches and changes nothing. Continue with `next` as `cursor`.',
  })
  @ApiBody({ type: RedriveDto })
  @ApiClientHeader()
  @ApiResponse({
    status: 200,
    description: 'What was re-driven (or, with dryRun, would be).',
    schema: schemaRef('Redrive'),
    headers: RATE_LIMIT_HEADERS,
  })
  @ApiResponse(OPERATOR_ONLY)
  @ApiStatuses(400, 503)
  @ApiCommonStatuses()
  async redrive(@Body() body: RedriveDto, @Caller() caller: CallerContext) {
    if (!caller.operator) {
      throw new ApiError(
        403,
        'operator_only',
        'bulk re-drive needs an operator key (OPERATOR_CLIENTS)',
      );
    }
    const filter = filterOf(body, 'failed');
    if (body.dryRun) {
      const counted = await this.backlog.count(filter, body.cursor);
      return { dryRun: true, matched: counted.matched, ...nextOf(counted.next) };
    }
    const report = await this.backlog.redrive(filter, body.limit, caller, body.cursor);
    return { dryRun: false, ...report, ...nextOf(report.next) };
  }
}

const nextOf = (next: string | undefined) => (next === undefined ? {} : { next });
