import { appConfig, parseAppConfig } from './app.config';
import { deliveryConfig, parseDeliveryConfig } from './delivery.config';
import type { Environment } from './env-reader';
import { feedbackConfig, parseFeedbackConfig } from './feedback.config';
import { ingressConfig, parseIngressConfig } from './ingress.config';
import { mailConfig, parseMailConfig } from './mail.config';
import { metricsConfig, parseMetricsConfig } from './metrics.config';
import { observabilityConfig, parseObservabilityConfig } from './observability.config';
import { parseQueueConfig, queueConfig } from './queue.config';
import { parseSecurityConfig, securityConfig } from './security.config';
import { parseTemplatesConfig, templatesConfig } from './templates.config';

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
  feedbackConfig,
  ingressConfig,
];

/** Every namespace parsed from one environment, with its DI token (a test app provides these). */
export function parseAllConfig(env: Environment) {
  return {
    app: { token: appConfig.KEY, value: parseAppConfig(env) },
    mail: { token: mailConfig.KEY, value: parseMailConfig(env) },
    metrics: { token: metricsConfig.KEY, value: parseMetricsConfig(env) },
    queue: { token: queueConfig.KEY, value: parseQueueConfig(env) },
    security: { token: securityConfig.KEY, value: parseSecurityConfig(env) },
    delivery: { token: deliveryConfig.KEY, value: parseDeliveryConfig(env) },
    templates: { token: templatesConfig.KEY, value: parseTemplatesConfig(env) },
    observability: { token: observabilityConfig.KEY, value: parseObservabilityConfig(env) },
    feedback: { token: feedbackConfig.KEY, value: parseFeedbackConfig(env) },
    ingress: { token: ingressConfig.KEY, value: parseIngressConfig(env) },
  };
}
