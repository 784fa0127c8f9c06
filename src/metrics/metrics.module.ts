import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { ClientLabels } from './client-labels';
import { HttpMetrics } from './http-metrics';
import { MetricsEndpoint } from './metrics-endpoint';
import { MetricsServer } from './metrics-server';
import { MetricsController } from './metrics.controller';

/**
 * Infrastructure only: Prometheus registration, HTTP metrics, /metrics (API port or
 * METRICS_PORT) and client-label bounding. Features declare their own metrics with
 * `make*Provider` in their modules (docs/extending.md); this module imports no feature.
 * Global so any feature can inject ClientLabels.
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
  providers: [ClientLabels, HttpMetrics, MetricsEndpoint, MetricsServer],
  exports: [ClientLabels, MetricsEndpoint, MetricsServer],
})
export class MetricsModule {}
