import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ObservabilityConfig } from '../config/observability.config';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** /docs (Swagger UI) and /docs-json, unless OPENAPI_ENABLED=false (the production default). */
export function setupOpenApi(app: INestApplication, settings: ObservabilityConfig): boolean {
  if (!settings.openApiEnabled) return false;
  const config = new DocumentBuilder()
    .setTitle('mailwatch')
    .setDescription(
      'Email-sending service whose every send is observable in Prometheus. Authenticate with an API key when keys are configured.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  // Built on first request: start-up stays fast, and a disabled /docs costs nothing.
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
  });
  return true;
}
