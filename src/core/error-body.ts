import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/**
 * The machine-readable `code` of every error answer, and what it means. Clients branch on
 * `code`, never on `message` (prose, may change). README "Error codes" lists the same.
 * Delivery outcomes (422/502 with an email) are not errors of the request: they keep their
 * own `error.code` (rejected, deferred, connection, …).
 */
export const ERROR_CODES = {
  validation_failed:
    'a field, query parameter or header is missing or invalid; `fields` names each',
  invalid_body: 'the body is not valid JSON, not UTF-8, or nested too deeply',
  invalid_request: 'malformed HTTP (bad request line, oversized headers)',
  unauthorized: 'no valid API key (Authorization: Bearer <key>)',
  forbidden_sender:
    '`from` is not allowed for this client (ALLOWED_SENDER_DOMAINS / CLIENT_SENDERS)',
  forbidden_recipient: 'a recipient domain is not allowed (RECIPIENT_DOMAINS_ALLOW / _DENY)',
  operator_only:
    'needs an operator key (OPERATOR_CLIENTS): bulk re-drive, or naming another client',
  not_found: 'no such route, or no such email for this client (unknown or past retention)',
  email_not_failed: 'only a failed email can be re-driven',
  idempotency_expired: 'the Idempotency-Key was used before but its email is no longer stored',
  idempotency_mismatch: 'the Idempotency-Key was used before with a different body',
  request_timeout: 'the request was not received within REQUEST_TIMEOUT_MS',
  payload_too_large: 'the body is over BODY_LIMIT_BYTES, or attachments over MAX_ATTACHMENT_BYTES',
  unsupported_media_type: 'the body is not application/json (UTF-8)',
  template_unknown: 'no template of that name in TEMPLATES_DIR',
  template_variable_missing: 'the template needs a variable the context lacks (named)',
  template_render_failed: 'the template could not be rendered with this context',
  rate_limited: "the client's RATE_LIMIT is spent; see Retry-After",
  suppressed: 'every recipient is on the suppression list; nothing was queued',
  quota_exceeded: "the client's CLIENT_QUOTAS budget (per hour or day) is spent; see Retry-After",
  queue_full: 'QUEUE_CAPACITY emails are waiting; nothing was queued, see Retry-After',
  service_unavailable:
    'shutting down, or a store (Redis) is unreachable; nothing was queued, see Retry-After',
  internal_error: 'a bug: quote errorId to the operators',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** Path of the offending property, e.g. `to` or `attachments[0].filename`. */
  field: string;
  messages: string[];
}

/** The one error body: `{statusCode, error, code, message}` plus `fields` on validation errors. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  fields?: FieldError[];
  /** 500 only: the id of the logged error. */
  errorId?: string;
}

export function errorBody(
  statusCode: number,
  code: ErrorCode,
  message: string,
  fields?: FieldError[],
): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message,
    ...(fields ? { fields } : {}),
  };
}

/** An HttpException whose body is already the error body (features throw these). */
export class ApiError extends HttpException {
  constructor(statusCode: number, code: ErrorCode, message: string, fields?: FieldError[]) {
    super(errorBody(statusCode, code, message, fields), statusCode);
  }
}

/** 400 validation_failed naming one field (a header, query or path parameter). */
export function invalidField(field: string, message: string): ApiError {
  return new ApiError(400, 'validation_failed', message, [{ field, messages: [message] }]);
}

/** The code an error of this status gets when whoever threw it did not choose one. */
export function defaultErrorCode(statusCode: number, hasFields: boolean): ErrorCode {
  switch (statusCode) {
    case 400:
      return hasFields ? 'validation_failed' : 'invalid_body';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden_sender';
    case 404:
      return 'not_found';
    case 408:
      return 'request_timeout';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'service_unavailable';
    default:
      return statusCode >= 500 ? 'internal_error' : 'validation_failed';
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
