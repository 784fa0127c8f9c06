import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ServiceUnavailableError } from './service-unavailable.error';

/**
 * HttpExceptions keep their status and body; anything else becomes a bare 500 with an
 * error id that points at the full error in the log, so no stack trace or internal
 * detail reaches a caller.
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
      const body = exception.getResponse();
      void reply
        .status(exception.getStatus())
        .send(
          typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body,
        );
      return;
    }
    // Errors thrown by Fastify itself (body too large, bad JSON, wrong content type) carry
    // their own 4xx status and a safe message.
    const status = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply.status(status).send({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message: (exception as Error).message,
      });
      return;
    }
    const errorId = randomUUID();
    this.logger.error(
      `unhandled error ${errorId}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    void reply.status(500).send({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `unexpected error; quote error id ${errorId} to the operators`,
      errorId,
    });
  }
}
