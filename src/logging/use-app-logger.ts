import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { observabilityConfig } from '../config/observability.config';

/** LOG_FORMAT=json routes every Nest log through pino; `pretty` keeps Nest's console lines. */
export function useAppLogger(app: INestApplication): void {
  if (observabilityConfig().logFormat === 'json') app.useLogger(app.get(Logger));
}
