import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { COMMON_STATUSES, RESPONSES } from '../../openapi/response-examples';

/** Documented answers for these statuses, each with its example (src/openapi). */
export const ApiStatuses = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, ...RESPONSES[status] })));

/** What every mail route may also answer once API keys and rate limits are on. */
export const ApiCommonStatuses = () => ApiStatuses(...COMMON_STATUSES);

export const ApiClientHeader = () =>
  ApiHeader({
    name: 'X-Client-ID',
    required: false,
    description: 'Who is sending (metric label); ignored when an API key identifies the client.',
  });

export const ApiRequestIdHeader = () =>
  ApiHeader({
    name: 'X-Request-ID',
    required: false,
    description: 'Correlation id (≤ 64 of A-Z a-z 0-9 . _ : -), else generated; echoed back.',
  });
