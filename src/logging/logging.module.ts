import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, type AppConfig } from '../config/app.config';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import { EventLog } from './event-lines';
import { buildPinoParams } from './pino-options';
import { RequestLoggerMiddleware } from './request-logger.middleware';

/**
 * Structured logs (nestjs-pino): request ids, access lines, redaction. See docs in README.
 * Global so features can inject EventLog (one cheap line per email).
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY, observabilityConfig.KEY],
      useFactory: (app: AppConfig, observability: ObservabilityConfig) =>
        buildPinoParams(app, observability),
    }),
  ],
  providers: [EventLog],
  exports: [EventLog],
})
export class LoggingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggerMiddleware).forRoutes('*');
  }
}
