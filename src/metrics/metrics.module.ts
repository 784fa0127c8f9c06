import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { ClientLabels } from './client-labels';
import { EmailMetrics } from './email-metrics.service';
import { HttpMetrics } from './http-metrics';
import { emailMetricProviders } from './metric-providers';
import { MetricsEndpoint } from './metrics-endpoint';
import { MetricsServer } from './metrics-server';
import { MetricsController } from './metrics.controller';
import { QueueDepth } from './queue-depth';

/**
 * Prometheus registration, the email and HTTP metrics, and /metrics. Global so any
 * module can `@InjectMetric()` the email metrics or register its own (docs/extending.md).
 */
@Global()
@Module({
  imports: [
    PrometheusModule.registerAsync({
      controller: MetricsController,
      inject: [metricsConfig.KEY],
      useFactory: (config: MetricsConfig) => ({
        controller: MetricsController,
        path: '/metrics',
        defaultMetrics: {
          enabled: config.enabled && config.defaultMetrics,
          config: config.prefix === '' ? {} : { prefix: `${config.prefix}_` },
        },
      }),
    }),
  ],
  providers: [
    ...emailMetricProviders,
    QueueDepth,
    ClientLabels,
    EmailMetrics,
    HttpMetrics,
    MetricsEndpoint,
    MetricsServer,
  ],
  exports: [
    ...emailMetricProviders,
    QueueDepth,
    ClientLabels,
    EmailMetrics,
    MetricsEndpoint,
    MetricsServer,
  ],
})
export class MetricsModule {}
