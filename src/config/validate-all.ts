import { appConfig } from './app.config';
import { deliveryConfig } from './delivery.config';
import { mailConfig } from './mail.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { securityConfig } from './security.config';
import { observabilityConfig } from './observability.config';
import { templatesConfig } from './templates.config';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace.
 */
export function validateEnvironment(): void {
  for (const load of [
    appConfig,
    mailConfig,
    metricsConfig,
    queueConfig,
    securityConfig,
    deliveryConfig,
    templatesConfig,
    observabilityConfig,
  ])
    load();
}
