import type { ApiResponseOptions } from '@nestjs/swagger';

const error = (statusCode: number, error: string, message: unknown) => ({
  schema: {
    type: 'object',
    properties: {
      statusCode: { type: 'integer' },
      error: { type: 'string' },
      message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    },
  },
  example: { statusCode, error, message },
});

const view = {
  id: '6f1c2a4e-8d0b-4f5e-9a2b-3c4d5e6f7a8b',
  status: 'sent',
  client: 'billing',
  attempts: 1,
  messageId: '<6f1c2a4e@mailwatch>',
  createdAt: '2026-01-01T12:00:00.000Z',
  updatedAt: '2026-01-01T12:00:00.120Z',
};

/** Success and error answers of the API, with an example each, by status code. */
export const RESPONSES: Record<number, ApiResponseOptions> = {
  200: { description: 'Delivered: an SMTP server accepted the email.', example: view },
  202: {
    description:
      'Accepted and queued (Prefer: respond-async, or still in flight after SEND_WAIT_MS); poll Location.',
    example: { ...view, status: 'queued', attempts: 0, messageId: undefined },
  },
  400: {
    description: 'Validation failed; nothing was queued. The message names the field.',
    ...error(400, 'Bad Request', ['to must be an email address or a list of them']),
  },
  401: {
    description: 'API keys are configured and the request has none, or an unknown one.',
    ...error(401, 'Unauthorized', 'missing or invalid API key'),
  },
  403: {
    description: 'The key may not use this sender, recipient domain or route.',
    ...error(403, 'Forbidden', 'client billing may not send from ceo@example.com'),
  },
  404: {
    description: 'Unknown email id, or past its retention.',
    ...error(404, 'Not Found', 'no email 6f1c2a4e-8d0b-4f5e-9a2b-3c4d5e6f7a8b'),
  },
  413: {
    description: 'Body larger than BODY_LIMIT_BYTES.',
    ...error(413, 'Payload Too Large', 'Request body is too large'),
  },
  415: {
    description: 'Only application/json is accepted.',
    ...error(415, 'Unsupported Media Type', 'Unsupported Media Type: text/plain'),
  },
  422: {
    description: 'Unknown template, or a variable the template uses is missing from context.',
    ...error(
      422,
      'Unprocessable Entity',
      'template "welcome" needs variable "loginUrl" in context',
    ),
  },
  429: {
    description: 'Rate limit reached for this client; see Retry-After.',
    ...error(429, 'Too Many Requests', 'ThrottlerException: Too Many Requests'),
  },
  502: {
    description: 'The SMTP server refused the email for good (5xx) or retries ran out.',
    example: {
      ...view,
      status: 'failed',
      messageId: undefined,
      lastError: {
        code: 'rejected',
        smtpCode: 550,
        message: 'SMTP server rejected the message: 550 mailbox unavailable',
        retryable: false,
      },
    },
  },
  503: {
    description:
      'Queue full, store unreachable or shutting down; nothing was queued. See Retry-After.',
    ...error(
      503,
      'Service Unavailable',
      'delivery queue is full (10000 emails waiting); nothing was queued, retry later',
    ),
  },
};

/** The statuses POST /send-email can answer with. */
export const SEND_EMAIL_STATUSES = [200, 202, 400, 401, 403, 413, 415, 422, 429, 502, 503];
/** Statuses every API route can answer with once auth and rate limits are on. */
export const COMMON_STATUSES = [401, 403, 429];
