import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CONFIG_NAMESPACES } from './namespaces';

/**
 * Typed configuration namespaces. Each namespace parses its variables when the app is
 * created, so a bad value fails start-up with a ConfigValidationError naming the variable.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: process.env.NODE_ENV === 'test',
      load: CONFIG_NAMESPACES,
    }),
  ],
})
export class AppConfigModule {}
