import { appConfig } from './app.config';
import { deliveryConfig } from './delivery.config';
import { mailConfig } from './mail.config';
import { metricsConfig } from './metrics.config';
import { observabilityConfig } from './observability.config';
import { queueConfig } from './queue.config';
import { securityConfig } from './security.config';
import { templatesConfig } from './templates.config';

/** Every configuration namespace: what ConfigModule loads and what start-up validates. */
export const CONFIG_NAMESPACES = [
  appConfig,
  mailConfig,
  metricsConfig,
  queueConfig,
  securityConfig,
  deliveryConfig,
  templatesConfig,
  observabilityConfig,
];
