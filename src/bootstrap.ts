import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { answerWhileClosing } from './core/closing-answer';
import { appConfig, LOG_LEVELS, type AppConfig, type LogLevelName } from './config/app.config';
import { observabilityConfig, type ObservabilityConfig } from './config/observability.config';
import { securityConfig, type SecurityConfig } from './config/security.config';
import { echoRequestId, requestIdFor } from './logging/request-id';
import { useAppLogger } from './logging/use-app-logger';
import { setupOpenApi } from './openapi/setup-openapi';
import { ApiKeys } from './security/api-keys';
import { answerClientError, hardenFastify } from './security/request-hardening';

/** Nest logs every level at or above the configured one. */
export function logLevelsFrom(level: LogLevelName): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/** What the HTTP adapter needs before Nest exists. */
export interface AdapterSettings {
  app: Pick<AppConfig, 'bodyLimitBytes' | 'requestTimeoutMs'>;
  security: Pick<SecurityConfig, 'jsonMaxDepth'>;
}

export function createFastifyAdapter(
  settings: AdapterSettings = { app: appConfig(), security: securityConfig() },
): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: settings.app.bodyLimitBytes,
    // JSON with __proto__/constructor keys is refused outright rather than sanitised.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // X-Request-ID (sanitised) or a UUID; pino-http logs reuse it (src/logging).
    genReqId: requestIdFor,
    // Bounds receiving a request (Node answers 408 and closes), against bodies trickled a
    // byte at a time. Node only honours it when given to http.createServer (Fastify's own
    // requestTimeout is assigned afterwards, too late), and checks it every
    // connectionsCheckingInterval (30 s by default), so that follows the timeout.
    requestTimeout: settings.app.requestTimeoutMs,
    clientErrorHandler: answerClientError,
    // Closing answers with our 503 (answerWhileClosing below), not Fastify's bare one.
    return503OnClosing: false,
    http: {
      requestTimeout: settings.app.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, Math.max(250, settings.app.requestTimeoutMs / 4)),
    },
  });
  echoRequestId(adapter.getInstance());
  answerWhileClosing(adapter.getInstance());
  // Security headers and the JSON depth limit (issue 5).
  hardenFastify(adapter, { jsonMaxDepth: settings.security.jsonMaxDepth });
  return adapter;
}

/** The application as main.ts runs it; test/support/test-app.ts builds the same. */
export async function createApp(): Promise<NestFastifyApplication> {
  const config = appConfig();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter(), {
    abortOnError: false,
    logger: logLevelsFrom(config.logLevel),
    // Start-up lines wait for the JSON logger instead of appearing in another format.
    bufferLogs: true,
    // A failed start is reported once, by main.ts (one line for the errors an operator fixes,
    // such as a locked or corrupt spool), not also as Nest's buffered stack trace.
    autoFlushLogs: false,
  });
  configureApp(app);
  // autoFlushLogs is off (above): the buffered start-up lines go out now, in the app's format.
  app.flushLogs();
  return app;
}

/** Logger and API docs (issue 8); before init, while Fastify still accepts routes. */
export function configureApp(app: NestFastifyApplication): void {
  const observability = app.get<ObservabilityConfig>(observabilityConfig.KEY);
  useAppLogger(app, observability, logLevelsFrom(app.get<AppConfig>(appConfig.KEY).logLevel));
  const keys = app.get(ApiKeys);
  setupOpenApi(
    app,
    observability,
    keys.enabled ? (header) => keys.clientForAuthorization(header) !== undefined : undefined,
  );
}
