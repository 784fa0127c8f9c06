import { Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { ClientInterceptor } from './client.interceptor';
import { installPassThroughFastPath } from './pass-through-interceptors';
import { createValidationPipe } from './validation';

/** Global enhancers: validation, error shape, caller identity. */
@Module({
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_INTERCEPTOR, useClass: ClientInterceptor },
  ],
})
export class CoreModule {
  constructor() {
    if (!installPassThroughFastPath()) {
      new Logger('Core').warn(
        "this Nest version has no InterceptorsConsumer to speed up: interceptors run Nest's rxjs chain",
      );
    }
  }
}
