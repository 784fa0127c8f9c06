import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import type { StatusData } from './status-data';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.html';
import { StatusAuthGuard, type StatusScoped } from './status-auth.guard';
import { StatusService } from './status.service';

/**
 * /status: a page for people about THIS replica; /status/data: what it polls. An API key or
 * HTTP Basic (STATUS_AUTH / METRICS_AUTH) opens both, see StatusAuthGuard.
 */
@ApiTags('operations')
@Controller('status')
@UseGuards(StatusAuthGuard)
export class StatusController {
  constructor(
    private readonly status: StatusService,
    @Inject(observabilityConfig.KEY) private readonly config: ObservabilityConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('content-security-policy', STATUS_PAGE_CSP)
  @ApiOperation({ summary: 'Live status page (HTML, polls /status/data)' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The page.' })
  page(): string {
    this.ensureEnabled();
    return STATUS_PAGE_HTML;
  }

  @Get('data')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Email metrics as JSON for the status page' })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'Only history samples after this time (ms since the epoch).',
  })
  @ApiResponse({ status: 200, description: 'Cumulative counters now, plus the history samples.' })
  @ApiResponse({ status: 400, description: '`since` is not a number.' })
  data(@Req() request: StatusScoped, @Query('since') since?: string): Promise<StatusData> {
    this.ensureEnabled();
    const after = since === undefined || since === '' ? 0 : Number(since);
    if (!Number.isFinite(after))
      throw new BadRequestException('since must be a number (ms since the epoch)');
    return this.status.data(after, request.statusClient);
  }

  private ensureEnabled(): void {
    if (!this.config.statusPageEnabled) throw new NotFoundException();
  }
}
