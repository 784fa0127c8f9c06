import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { ObservabilityConfig } from '../config/observability.config';

/** LOG_FORMAT=json routes every Nest log through pino; `pretty` keeps Nest's console lines. */
export function useAppLogger(app: INestApplication, config: ObservabilityConfig): void {
  if (config.logFormat === 'json') app.useLogger(app.get(Logger));
}
