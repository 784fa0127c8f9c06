import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/**
 * 503 with Retry-After: the caller should come back later and nothing was stored. The one
 * error type the global filter knows besides HttpException, so features subclass it for
 * their own "not now" conditions (queue full, store unreachable, draining).
 */
export class ServiceUnavailableError extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message });
  }
}
