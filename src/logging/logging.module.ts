import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, type AppConfig } from '../config/app.config';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import { buildPinoParams } from './pino-options';
import { RequestLoggerMiddleware } from './request-logger.middleware';

/** Structured logs (nestjs-pino): request ids, access lines, redaction. See docs in README. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY, observabilityConfig.KEY],
      useFactory: (app: AppConfig, observability: ObservabilityConfig) =>
        buildPinoParams(app, observability),
    }),
  ],
})
export class LoggingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggerMiddleware).forRoutes('*');
  }
}
