import { appConfig } from './app.config';
import { mailConfig } from './mail.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace.
 */
export function validateEnvironment(): void {
  for (const load of [appConfig, mailConfig, metricsConfig, queueConfig]) load();
}
