import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { errorBody, type ErrorCode } from './error-body';

/**
 * 503 with Retry-After: the caller should come back later and nothing was stored. The one
 * error type the global filter knows besides HttpException, so features subclass it for
 * their own "not now" conditions (queue full, store unreachable, draining).
 */
export class ServiceUnavailableError extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code: ErrorCode = 'service_unavailable',
  ) {
    super(errorBody(HttpStatus.SERVICE_UNAVAILABLE, code, message));
  }
}
