import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import type { StatusData } from './status-data';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.html';
import { StatusService } from './status.service';

/** /status: a live page for people; /status/data: what it polls. Same auth as the API. */
@ApiTags('operations')
@Controller('status')
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
  @ApiResponse({ status: 200, description: 'Cumulative counters; rates come from two polls.' })
  data(): Promise<StatusData> {
    this.ensureEnabled();
    return this.status.snapshot();
  }

  private ensureEnabled(): void {
    if (!this.config.statusPageEnabled) throw new NotFoundException();
  }
}
