import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
} from '@nestjs/swagger';
import { OPENAPI_FEATURE_SCHEMAS, type FeatureSchemas } from './feature-schemas';
import { RESPONSES } from './response-examples';
import { SCHEMAS, schemaRef } from './schemas';

/** Probes and scrapes: answered without an API key (src/security UNGUARDED_ROUTES). */
const UNGUARDED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const json = (schema: object, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});

/** Answers of the operational routes, which carry no per-route decorators of their own. */
const OPERATIONS: Record<string, Record<string, ResponseObject>> = {
  '/healthz': {
    200: { description: 'The process answers.', content: json(schemaRef('Health')) },
  },
  '/readyz': {
    200: { description: 'Ready for traffic.', content: json(schemaRef('Health')) },
    503: {
      description:
        'Not ready: the queue is full or not accepting (draining, store unreachable), or every relay refuses our credentials or TLS. A relay that is down never takes a pod out of the Service; see email_smtp_up.',
      content: json(schemaRef('Health')),
    },
  },
  '/metrics': {
    200: {
      description: 'Prometheus text exposition (OpenMetrics when asked for in Accept).',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
    401: {
      description: 'METRICS_AUTH is set and did not match.',
      content: json(schemaRef('ErrorBody')),
    },
    404: {
      description: 'ENABLE_METRICS=false, or METRICS_PORT serves it.',
      content: json(schemaRef('ErrorBody')),
    },
  },
  '/status': {
    200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
    404: { description: 'STATUS_PAGE_ENABLED=false.', content: json(schemaRef('ErrorBody')) },
  },
  '/status/data': {
    200: {
      description: 'Cumulative counters; rates come from two polls.',
      content: json(schemaRef('StatusData')),
    },
    404: { description: 'STATUS_PAGE_ENABLED=false.', content: json(schemaRef('ErrorBody')) },
  },
};

/** The document's fixed parts: what a consumer's generator needs and nothing host-specific. */
function baseDocument() {
  return new DocumentBuilder()
    .setTitle('mailwatch')
    .setDescription(
      'Email-sending service whose every send is observable in Prometheus. With API keys configured, every route but /healthz, /readyz and /metrics needs `Authorization: Bearer <key>`; every email route only sees the caller’s own emails. Errors have one body (ErrorBody) with a machine-readable `code`.',
    )
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('http://localhost:3000', 'A local instance (npm start)')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS.' },
      'apiKey',
    )
    .addSecurityRequirements('apiKey')
    .build();
}

/** Parameters Nest adds twice (e.g. a header read with @Headers() and documented with @ApiHeader()). */
function dedupeParameters(operation: OperationObject): void {
  if (!operation.parameters) return;
  const seen = new Set<string>();
  operation.parameters = operation.parameters.filter((p) => {
    const { name, in: where } = p as ParameterObject;
    const key = `${where}:${name.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * openapi.json as generated from the code: Nest's scan of the controllers and DTOs, plus the
 * response schemas (src/openapi/schemas.ts), security (bearer everywhere but probes and
 * scrapes), operation ids and de-duplicated headers. Deterministic (no host, no time), so the
 * committed openapi.json can be compared with it (test/api/openapi-contract.e2e-spec.ts).
 */
/** Every feature's own schemas (OPENAPI_FEATURE_SCHEMAS providers), by component name. */
function featureSchemas(app: INestApplication): FeatureSchemas {
  const contributed = app.get<symbol, FeatureSchemas[]>(OPENAPI_FEATURE_SCHEMAS, {
    strict: false,
    each: true,
  });
  return Object.assign({}, ...contributed) as FeatureSchemas;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, baseDocument(), {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${method}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...SCHEMAS, ...featureSchemas(app) },
  };
  // Nest adds `bearerFormat: JWT`; our keys are opaque strings.
  const scheme = document.components.securitySchemes?.apiKey as { bearerFormat?: string };
  delete scheme.bearerFormat;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      dedupeParameters(operation);
      if (UNGUARDED_PATHS.has(path)) operation.security = [];
      const own = OPERATIONS[path];
      if (own) {
        operation.responses = { ...own };
        if (!UNGUARDED_PATHS.has(path)) {
          for (const status of [401, 429]) {
            const { description, headers } = RESPONSES[status];
            const { example } = RESPONSES[status] as { example?: unknown };
            operation.responses[status] = {
              description: description ?? '',
              content: json(schemaRef('ErrorBody'), example),
              ...(headers ? { headers: headers } : {}),
            };
          }
        }
      }
    }
  }
  return document;
}
