import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { ObservabilityConfig } from '../config/observability.config';
import { errorBody } from '../core/error-body';
import { buildOpenApiDocument } from './openapi-document';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** Whether a request may read the docs: true without keys, else a valid `Bearer` key. */
export type DocsAccess = (authorization: string | undefined) => boolean;

/**
 * /docs (Swagger UI) and /docs-json, unless OPENAPI_ENABLED=false (the production default).
 * They are Fastify routes outside Nest's guards, so with API keys configured a hook of their
 * own asks for the same `Authorization: Bearer <key>` (401 otherwise). The versioned contract
 * for consumers is the committed openapi.json.
 */
export function setupOpenApi(
  app: INestApplication,
  settings: ObservabilityConfig,
  access?: DocsAccess,
): boolean {
  if (!settings.openApiEnabled) return false;
  if (access) {
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    fastify.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?', 1)[0];
      const isDocs =
        path === `/${DOCS_JSON_PATH}` ||
        path === `/${DOCS_PATH}` ||
        path.startsWith(`/${DOCS_PATH}/`);
      if (!isDocs || access(request.headers.authorization)) return done();
      void reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="mailwatch", charset="UTF-8"')
        .send(
          errorBody(
            401,
            'unauthorized',
            'an API key is required for the API documentation: Authorization: Bearer <key>',
          ),
        );
    });
  }
  // Built on first request: start-up stays fast, and a disabled /docs costs nothing.
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
  });
  return true;
}
