import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from './service-unavailable.error';
import {
  defaultErrorCode,
  errorBody,
  isErrorCode,
  type ErrorBody,
  type FieldError,
} from './error-body';

/** Fastify's own 4xx errors (body parsing) by their `code`. */
const FASTIFY_CODES: Record<string, ErrorBody['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
};

/**
 * Terminus answers a failed check with `{status:'error', error:{name:{message}}}`; the error body
 * keeps what failed in its message (e.g. `not ready: queue: delivery queue is full`).
 */
function healthFailure(raw: Record<string, unknown>): string | undefined {
  if (raw.status !== 'error' || typeof raw.error !== 'object' || raw.error === null)
    return undefined;
  const failed = Object.entries(raw.error as Record<string, { message?: unknown }>).map(
    ([name, detail]) =>
      typeof detail?.message === 'string' ? `${name}: ${detail.message}` : `${name}: down`,
  );
  return failed.length > 0 ? `not ready: ${failed.join('; ')}` : undefined;
}

/** The parts of an HttpException's response the error body keeps. */
function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const raw =
    typeof response === 'string' ? { message: response } : (response as Record<string, unknown>);
  const fields = Array.isArray(raw.fields) ? (raw.fields as FieldError[]) : undefined;
  const message = Array.isArray(raw.message)
    ? raw.message.join('; ')
    : typeof raw.message === 'string'
      ? raw.message
      : (healthFailure(raw) ?? exception.message);
  const code = isErrorCode(raw.code) ? raw.code : defaultErrorCode(status, fields !== undefined);
  return errorBody(status, code, message, fields);
}

/**
 * Every error answer has one shape, `{statusCode, error, code, message}` (+ `fields`), see
 * error-body.ts. HttpExceptions keep their status; Fastify's own 4xx errors (body limits,
 * bad JSON) keep theirs; anything else is a bug: a bare 500 with an error id pointing at the
 * one logged line with the stack trace. Expected errors are not logged here (the access line
 * records them), so a 4xx/503 is one line and only a real bug carries a stack.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      if (exception instanceof ServiceUnavailableError) {
        void reply.header('retry-after', String(exception.retryAfterSeconds));
      }
      // An error that names its own response headers (429 quota_exceeded: Retry-After, RateLimit-*).
      const own = (exception as { headers?: unknown }).headers;
      if (own !== null && typeof own === 'object') void reply.headers(own);
      void reply.status(exception.getStatus()).send(fromHttpException(exception));
      return;
    }
    const status = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const ownCode = (exception as { code?: unknown }).code;
      const code = isErrorCode(ownCode)
        ? ownCode
        : ((typeof ownCode === 'string' ? FASTIFY_CODES[ownCode] : undefined) ??
          defaultErrorCode(status, false));
      void reply.status(status).send(errorBody(status, code, (exception as Error).message));
      return;
    }
    const errorId = randomUUID();
    this.logger.error(
      `unhandled error ${errorId}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    void reply.status(500).send({
      ...errorBody(
        500,
        'internal_error',
        `unexpected error; quote error id ${errorId} to the operators`,
      ),
      errorId,
    });
  }
}
