import type { ApiResponseOptions } from '@nestjs/swagger';
import { errorBody, type ErrorCode } from '../core/error-body';
import { schemaRef } from './schemas';

const ID = '6f1c2a4e-8d0b-4f5e-9a2b-3c4d5e6f7a8b';

type Headers = NonNullable<ApiResponseOptions['headers']>;

/** Set on answers of rate-limited routes when RATE_LIMIT is on (@nestjs/throttler). */
export const RATE_LIMIT_HEADERS: Headers = {
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window for this client (RATE_LIMIT on).',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window (RATE_LIMIT on).',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the window resets (RATE_LIMIT on).',
    schema: { type: 'integer' },
  },
};

/** Set on POST /send-email(/batch) answers of clients with a CLIENT_QUOTAS entry. */
export const QUOTA_HEADERS: Headers = {
  'RateLimit-Limit': {
    description: 'Emails allowed in the client’s tightest quota window (CLIENT_QUOTAS).',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': {
    description: 'Emails left in that window.',
    schema: { type: 'integer' },
  },
  'RateLimit-Reset': {
    description: 'Seconds until that window resets.',
    schema: { type: 'integer' },
  },
  'RateLimit-Policy': {
    description: 'Every window: `1000;w=3600, 20000;w=86400`.',
    schema: { type: 'string' },
  },
};

const RETRY_AFTER: Headers = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: { type: 'integer' },
  },
};
const LOCATION: Headers = {
  Location: {
    description: 'Where to poll the email: /emails/{id}.',
    required: true,
    schema: { type: 'string' },
  },
};

function failure(
  description: string,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Headers = {},
): ApiResponseOptions {
  const fields =
    code === 'validation_failed' || code === 'forbidden_sender'
      ? [{ field: code === 'validation_failed' ? 'to' : 'from', messages: [message] }]
      : undefined;
  return {
    description,
    schema: schemaRef('ErrorBody'),
    example: errorBody(status, code, message, fields),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

const sent = { id: ID, status: 'sent', messageId: '<6f1c2a4e@mailwatch>', attempts: 1 };
const failed = (code: string, smtpCode: number | null, message: string, retryable: boolean) => ({
  id: ID,
  status: 'failed',
  attempts: retryable ? 5 : 1,
  error: { code, smtpCode, message, retryable },
});

/** Answers by status: error answers everywhere, and POST /send-email's own. */
export const RESPONSES: Record<number, ApiResponseOptions> = {
  200: {
    description: 'Delivered: an SMTP server accepted the email.',
    schema: schemaRef('EmailResponse'),
    example: sent,
    headers: { ...RATE_LIMIT_HEADERS, ...QUOTA_HEADERS },
  },
  202: {
    description:
      'Accepted and queued (Prefer: respond-async, or still in flight after SEND_WAIT_MS); poll Location.',
    schema: schemaRef('EmailResponse'),
    example: { id: ID, status: 'queued', attempts: 0 },
    headers: { ...LOCATION, ...RATE_LIMIT_HEADERS, ...QUOTA_HEADERS },
  },
  400: failure(
    'Validation failed; nothing was queued. `fields` names every bad field.',
    400,
    'validation_failed',
    'to must be an email address or a list of them',
  ),
  401: failure(
    'API keys are configured and the request has none, or an unknown one.',
    401,
    'unauthorized',
    'an API key is required: Authorization: Bearer <key>',
    {
      'WWW-Authenticate': {
        description: 'Bearer realm="mailwatch"',
        required: true,
        schema: { type: 'string' },
      },
    },
  ),
  403: failure(
    'The sender or a recipient domain is not allowed for this client (forbidden_sender / forbidden_recipient).',
    403,
    'forbidden_sender',
    'from: client billing may not send as this address (see ALLOWED_SENDER_DOMAINS / CLIENT_SENDERS)',
  ),
  404: failure(
    'No such email for this client (unknown, past its retention, or another client’s).',
    404,
    'not_found',
    `no email ${ID} (unknown, or past its retention)`,
  ),
  408: failure(
    'The request was not received within REQUEST_TIMEOUT_MS; the connection is closed.',
    408,
    'request_timeout',
    'the request was not received within REQUEST_TIMEOUT_MS',
  ),
  409: failure(
    'Re-drive of an email that has not failed (email_not_failed), or an Idempotency-Key whose email is gone (idempotency_expired).',
    409,
    'email_not_failed',
    `email ${ID} is sent, not failed`,
  ),
  413: failure(
    'Body over BODY_LIMIT_BYTES, or attachments over MAX_ATTACHMENT_BYTES.',
    413,
    'payload_too_large',
    'Request body is too large',
  ),
  415: failure(
    'Only application/json (UTF-8) bodies are accepted.',
    415,
    'unsupported_media_type',
    'Content-Type "text/plain" is not accepted; send application/json',
  ),
  422: {
    description:
      'The relay refused this message for good (an email with `error`, resending will not help), or the request cannot be processed: unknown template, missing template variable, Idempotency-Key reused with another body, every recipient suppressed (an error body, code `suppressed`).',
    schema: { oneOf: [schemaRef('EmailResponse'), schemaRef('ErrorBody')] },
    example: failed('rejected', 550, 'the SMTP server refused the message (550)', false),
  },
  429: failure(
    'The client’s rate limit (rate_limited) or email quota (quota_exceeded, CLIENT_QUOTAS) is spent; see Retry-After.',
    429,
    'rate_limited',
    'rate limit of 100 requests per 60 s reached for this client; retry in 12 s',
    { ...RETRY_AFTER, ...RATE_LIMIT_HEADERS, ...QUOTA_HEADERS },
  ),
  502: {
    description: 'Delivery failed: retries ran out, or the relay refused our credentials.',
    schema: schemaRef('EmailResponse'),
    example: failed('connection', null, 'could not connect to the SMTP server', true),
  },
  503: failure(
    'Queue full (queue_full), store unreachable or shutting down (service_unavailable); nothing was queued.',
    503,
    'queue_full',
    'delivery queue is full (10000 emails waiting); nothing was queued, retry later',
    RETRY_AFTER,
  ),
};

/** The statuses POST /send-email can answer with. */
export const SEND_EMAIL_STATUSES = [200, 202, 400, 401, 403, 408, 413, 415, 422, 429, 502, 503];
/** Statuses every API route can answer with once auth and rate limits are on. */
export const COMMON_STATUSES = [401, 429];
