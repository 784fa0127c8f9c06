import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { appConfig, type AppConfig } from '../config/app.config';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import {
  ACCESS_LOG_OPTIONS,
  PROBE_PATHS,
  ROOT_LOGGER,
  type AccessLogOptions,
} from './logging.constants';
import { buildPinoParams, buildRootLogger } from './pino-options';
import { AccessLog } from './access-log';
import { EventLog } from './event-lines';
import { RequestContextHook } from './request-context.hook';

const rootLoggerProvider = {
  provide: ROOT_LOGGER,
  inject: [appConfig.KEY],
  useFactory: (app: AppConfig) => buildRootLogger(app),
};

/**
 * Structured logs (nestjs-pino over one pino logger): request ids, access lines, redaction.
 * Global so features can inject EventLog (one cheap line per email).
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [rootLoggerProvider],
      inject: [ROOT_LOGGER],
      useFactory: (root: Logger) => buildPinoParams(root),
    }),
  ],
  providers: [
    rootLoggerProvider,
    RequestContextHook,
    AccessLog,
    EventLog,
    {
      provide: ACCESS_LOG_OPTIONS,
      inject: [appConfig.KEY, observabilityConfig.KEY],
      useFactory: (app: AppConfig, observability: ObservabilityConfig): AccessLogOptions => ({
        // LOG_LEVEL=fatal drops them all; LOG_FORMAT=pretty is Nest's console, not JSON lines.
        enabled:
          observability.logRequests &&
          observability.logFormat === 'json' &&
          app.logLevel !== 'fatal',
        logProbes: observability.logProbes,
        quietPaths: new Set(PROBE_PATHS),
      }),
    },
  ],
  exports: [EventLog],
})
export class LoggingModule {}
