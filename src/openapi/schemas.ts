import type { SchemaObject } from '@nestjs/swagger';
import { ERROR_CODES } from '../core/error-body';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * The answers of the API as JSON schemas, checked against live answers by
 * test/api/openapi-contract.e2e-spec.ts (openapi-response-validator). Components of openapi.json.
 */
export const SCHEMAS: Record<string, SchemaObject> = {
  FieldError: {
    type: 'object',
    required: ['field', 'messages'],
    properties: {
      field: { type: 'string', example: 'to' },
      messages: { type: 'array', items: { type: 'string' } },
    },
  },
  ErrorBody: {
    type: 'object',
    description: 'Every error answer (README "Errors"); branch on `code`, not on `message`.',
    required: ['statusCode', 'error', 'code', 'message'],
    additionalProperties: false,
    properties: {
      statusCode: { type: 'integer', example: 400 },
      error: { type: 'string', example: 'Bad Request' },
      code: { type: 'string', enum: Object.keys(ERROR_CODES), example: 'validation_failed' },
      message: { type: 'string' },
      fields: { type: 'array', items: ref('FieldError') },
      errorId: { type: 'string', description: '500 only: the id of the logged error.' },
    },
  },
  // DeliveryError: the mail feature's (src/mail/http/mail-api.schemas.ts, its reason list).
  EmailResponse: {
    type: 'object',
    description:
      'The answer of POST /send-email: sent (200), queued (202 + Location), or failed (422 refused by the relay / 502 delivery failed, with `error`).',
    required: ['id', 'status', 'attempts'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['sent', 'queued', 'failed'] },
      attempts: { type: 'integer', minimum: 0 },
      messageId: { type: 'string', description: 'sent only' },
      error: ref('DeliveryError'),
      suppressed: ref('SuppressedRecipients'),
    },
  },
  EmailView: {
    type: 'object',
    description: "An email's current state (GET /emails/{id}, dead letters).",
    required: ['id', 'status', 'client', 'attempts', 'createdAt', 'updatedAt'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['queued', 'deferred', 'sending', 'sent', 'failed'] },
      client: { type: 'string' },
      attempts: { type: 'integer', minimum: 0 },
      messageId: { type: 'string' },
      lastError: ref('DeliveryError'),
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      nextAttemptAt: { type: 'string', format: 'date-time' },
      recipients: {
        type: 'array',
        description:
          'Recipients reported undeliverable after the relay accepted the email (bounces, README "Bounces"); absent when none were.',
        items: {
          type: 'object',
          required: ['address', 'outcome', 'type', 'reportedAt'],
          additionalProperties: false,
          properties: {
            address: { type: 'string' },
            outcome: { type: 'string', enum: ['bounced', 'deferred'] },
            type: { type: 'string', enum: ['hard', 'soft'] },
            status: { type: 'string', description: 'RFC 3463 status, e.g. 5.1.1' },
            diagnostic: { type: 'string', description: "The remote server's reply as reported" },
            reportedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
      tags: { type: 'array', items: { type: 'string' }, description: 'as sent' },
      metadata: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'as sent',
      },
      suppressed: ref('SuppressedRecipients'),
    },
  },
  SuppressedRecipients: {
    type: 'array',
    description: 'Recipients not sent to because they are on the suppression list.',
    items: {
      type: 'object',
      required: ['address', 'code'],
      additionalProperties: false,
      properties: {
        address: { type: 'string' },
        code: { type: 'string', enum: ['suppressed'] },
      },
    },
  },
  DeadLetters: {
    type: 'object',
    required: ['status', 'count', 'emails'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['queued', 'deferred', 'sending', 'failed'] },
      count: { type: 'integer', minimum: 0 },
      emails: { type: 'array', items: ref('EmailView') },
      next: {
        type: 'string',
        description: 'Pass as `cursor` for the next page; absent at the end.',
      },
    },
  },
  Redrive: {
    type: 'object',
    required: ['dryRun'],
    additionalProperties: false,
    properties: {
      dryRun: { type: 'boolean' },
      matched: { type: 'integer', minimum: 0, description: 'dryRun: dead letters that match.' },
      requeued: { type: 'integer', minimum: 0 },
      skipped: { type: 'integer', minimum: 0, description: 'Matched, re-driven by another call.' },
      ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
      next: { type: 'string', description: 'Pass as `cursor` to go on; absent at the end.' },
    },
  },
  Requeued: {
    type: 'object',
    required: ['id', 'status', 'attempts'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['queued'] },
      attempts: { type: 'integer', minimum: 0 },
    },
  },
  BatchItemResult: {
    type: 'object',
    required: ['index', 'status'],
    additionalProperties: false,
    properties: {
      index: { type: 'integer', minimum: 0 },
      status: { type: 'integer', description: 'What this email alone would have been answered.' },
      code: {
        type: 'string',
        enum: Object.keys(ERROR_CODES),
        description: 'On a refused item: the error code POST /send-email would have answered.',
      },
      id: { type: 'string', format: 'uuid' },
      location: { type: 'string' },
      errors: { type: 'array', items: ref('FieldError') },
      message: { type: 'string' },
      suppressed: ref('SuppressedRecipients'),
    },
  },
  BatchResult: {
    type: 'object',
    required: ['accepted', 'rejected', 'results'],
    additionalProperties: false,
    properties: {
      accepted: { type: 'integer', minimum: 0 },
      rejected: { type: 'integer', minimum: 0 },
      results: { type: 'array', items: ref('BatchItemResult') },
    },
  },
  BatchRequest: {
    type: 'object',
    required: ['emails'],
    properties: {
      emails: { type: 'array', minItems: 1, maxItems: 100, items: ref('SendEmailDto') },
    },
  },
  Health: {
    type: 'object',
    description: "@nestjs/terminus's health check result.",
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: { type: 'object', additionalProperties: true, nullable: true },
      error: { type: 'object', additionalProperties: true, nullable: true },
      details: { type: 'object', additionalProperties: true },
    },
  },
  StatusData: {
    type: 'object',
    description: 'Cumulative email counters for the status page; rates come from two polls.',
    additionalProperties: true,
  },
};

export const schemaRef = ref;
