import {
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthController } from '../health/health.controller';
import { SendEmailDto } from '../mail/dto/send-email.dto';
import { MailController } from '../mail/mail.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { COMMON_STATUSES, RESPONSES, SEND_EMAIL_STATUSES } from './response-examples';

type Route = { prototype: object };

/** Applies decorators to a handler if it still exists (a renamed one shows up in the e2e test). */
function route(controller: Route, method: string, ...decorators: MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method);
  if (descriptor === undefined) return;
  for (const decorate of decorators) decorate(controller.prototype, method, descriptor);
}

const responses = (statuses: number[]): MethodDecorator[] =>
  statuses.map((status) => ApiResponse({ status, ...RESPONSES[status] }));

const clientHeader = ApiHeader({
  name: 'X-Client-ID',
  required: false,
  description: 'Who is sending (metric label); ignored when an API key identifies the client.',
});
const requestIdHeader = ApiHeader({
  name: 'X-Request-ID',
  required: false,
  description: 'Correlation id (≤ 64 of A-Z a-z 0-9 . _ : -), else generated; echoed back.',
});

let annotated = false;

/**
 * The API's OpenAPI description, kept in one place and applied to the controllers and DTOs
 * at start-up when OPENAPI_ENABLED, so modules stay free of documentation-only code.
 */
export function annotateApi(): void {
  if (annotated) return;
  annotated = true;

  ApiTags('mail')(MailController);
  route(
    MailController,
    'send',
    ApiOperation({
      summary: 'Send one email',
      description:
        'Waits up to SEND_WAIT_MS for the outcome (200 sent, 502 failed), else 202 with Location. `Prefer: respond-async` answers 202 at once. Give `template` + `context` instead of text/html to render a named template (422 when it cannot be rendered; nothing is queued).',
    }),
    ApiBody({ type: SendEmailDto }),
    clientHeader,
    requestIdHeader,
    ApiHeader({ name: 'Prefer', required: false, example: 'respond-async' }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: '1–255 characters' }),
    ...responses(SEND_EMAIL_STATUSES),
  );
  route(
    MailController,
    'sendBatch',
    ApiOperation({ summary: 'Send up to 100 emails; each validated and queued on its own' }),
    ApiBody({
      schema: {
        type: 'object',
        properties: {
          emails: { type: 'array', items: { $ref: '#/components/schemas/SendEmailDto' } },
        },
      },
    }),
    clientHeader,
    ApiResponse({ status: 200, description: 'Every email accepted.' }),
    ApiResponse({ status: 207, description: 'Some emails refused; per-email statuses inside.' }),
    ...responses([400, 413, 415, ...COMMON_STATUSES, 503]),
  );
  route(
    MailController,
    'list',
    ApiOperation({ summary: 'List dead letters (emails that failed for good), newest first' }),
    ApiQuery({ name: 'status', enum: ['failed'] }),
    ApiQuery({ name: 'limit', required: false, type: Number, example: 50 }),
    ApiResponse({ status: 200, description: 'The failed emails.' }),
    ...responses([400, ...COMMON_STATUSES]),
  );
  route(
    MailController,
    'retry',
    ApiOperation({ summary: 'Re-drive a failed email with a fresh attempt budget' }),
    ApiParam({ name: 'id', format: 'uuid' }),
    ApiResponse({ status: 202, description: 'Queued again; poll Location.' }),
    ApiResponse({ status: 409, description: 'The email is not failed.' }),
    ...responses([400, 404, ...COMMON_STATUSES]),
  );
  route(
    MailController,
    'find',
    ApiOperation({ summary: "An email's current state" }),
    ApiParam({ name: 'id', format: 'uuid' }),
    ApiResponse({ status: 200, ...RESPONSES[200], description: 'The email.' }),
    ...responses([400, 404, ...COMMON_STATUSES]),
  );

  ApiTags('operations')(HealthController);
  route(HealthController, 'live', ApiOperation({ summary: 'Liveness: the process answers' }));
  route(
    HealthController,
    'ready',
    ApiOperation({ summary: 'Readiness: transport reachable, queue accepting, not draining' }),
  );
  ApiTags('operations')(MetricsController);
  route(
    MetricsController,
    'index',
    ApiOperation({ summary: 'Prometheus metrics (text exposition; METRICS_AUTH when set)' }),
    ApiResponse({ status: 200, description: 'Metrics.', content: { 'text/plain': {} } }),
    ApiResponse({ status: 401, description: 'METRICS_AUTH is set and did not match.' }),
  );

  annotateSendEmailDto();
}

function annotateSendEmailDto(): void {
  const field = (name: string, decorator: PropertyDecorator) =>
    decorator(SendEmailDto.prototype, name);
  const addresses = {
    oneOf: [
      { type: 'string', format: 'email' },
      { type: 'array', items: { type: 'string', format: 'email' }, maxItems: 50 },
    ],
  };
  field(
    'to',
    ApiProperty({
      ...addresses,
      example: ['ada@example.com'],
      description: 'One address or a list; to+cc+bcc ≤ 50.',
    }),
  );
  field('cc', ApiPropertyOptional({ ...addresses }));
  field('bcc', ApiPropertyOptional({ ...addresses }));
  field(
    'from',
    ApiPropertyOptional({ type: String, format: 'email', description: 'Defaults to MAIL_FROM.' }),
  );
  field('replyTo', ApiPropertyOptional({ type: String, format: 'email' }));
  field('subject', ApiProperty({ type: String, maxLength: 998, example: 'Welcome aboard' }));
  field(
    'text',
    ApiPropertyOptional({ type: String, description: 'At least one of text, html, template.' }),
  );
  field('html', ApiPropertyOptional({ type: String }));
  field(
    'template',
    ApiPropertyOptional({
      type: String,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
      example: 'welcome',
      description:
        'TEMPLATES_DIR/<template>.hbs, rendered in strict mode into html before queueing.',
    }),
  );
  field(
    'context',
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: true,
      example: { name: 'Ada', product: 'Mailwatch', loginUrl: 'https://example.com/login' },
    }),
  );
  field(
    'attachments',
    ApiPropertyOptional({
      type: 'array',
      items: {
        type: 'object',
        properties: {
          filename: { type: 'string' },
          contentType: { type: 'string' },
          content: { type: 'string', format: 'byte' },
        },
      },
    }),
  );
}
