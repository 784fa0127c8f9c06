import type { Provider } from '@nestjs/common';
import { OPENAPI_FEATURE_SCHEMAS, type FeatureSchemas } from '../../openapi/feature-schemas';
import { FAILURE_REASONS } from '../delivery/delivery-error';

/** openapi.json components the mail feature owns: the reason list is the code's, not a copy. */
export const MAIL_API_SCHEMAS: FeatureSchemas = {
  DeliveryError: {
    type: 'object',
    description: 'Why an email failed; never holds hostnames or credentials.',
    required: ['code', 'smtpCode', 'message', 'retryable'],
    properties: {
      code: { type: 'string', enum: [...FAILURE_REASONS] },
      smtpCode: { type: 'integer', nullable: true, example: 550 },
      message: { type: 'string' },
      retryable: { type: 'boolean' },
    },
  },
};

export const mailApiSchemasProvider: Provider = {
  provide: OPENAPI_FEATURE_SCHEMAS,
  useValue: MAIL_API_SCHEMAS,
};
