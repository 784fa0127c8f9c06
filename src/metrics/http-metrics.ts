import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_REQUEST_DURATION_SECONDS,
  HTTP_REQUESTS_TOTAL,
  UNMATCHED_HANDLER,
} from './metrics.constants';
import {
  hotCounter,
  hotGauge,
  hotHistogram,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
  type HotCounter,
  type HotGauge,
  type HotHistogram,
} from './hot-path-metrics';

type RouteLabel = 'method' | 'handler';

/** One (method, route template) pair: its labelled children, resolved once. */
interface RouteSeries {
  duration: HistogramSeries;
  inProgress: GaugeSeries;
  /** http_requests_total's series by status code. */
  requests: Map<number, CounterSeries>;
  method: string;
  handler: string;
}

/**
 * HTTP metrics in the style of prometheus-fastapi-instrumentator, taken from Fastify's
 * onRequest/onResponse hooks rather than a Nest interceptor: hooks also see what never
 * reaches a handler — 404s, 413/415 from the body parser, guard rejections (401/429).
 * `handler` is the route template, never the raw path, so ids in URLs add no series.
 *
 * Per request this does as little as it can (docs/benchmarks.md, "Metrics overhead"): series
 * handles (hot-path-metrics.ts) are resolved once per route and method and found again by
 * two map lookups, so a request pays no label hashing and no string building; nothing is
 * stored on the request object (an added property changes the shape of every Fastify
 * request); the duration is Fastify's own `reply.elapsedTime`.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly excluded: ReadonlySet<string>;
  /** method → route template → series; null for an excluded route. */
  private readonly series = new Map<string, Map<string, RouteSeries | null>>();
  private requests?: HotCounter<RouteLabel | 'status'>;
  private duration?: HotHistogram<RouteLabel>;
  private inProgress?: HotGauge<RouteLabel>;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.excluded = new Set(config.excludedPaths);
  }

  onModuleInit(): void {
    if (!this.config.enabled) return;
    const prefix = this.config.prefix === '' ? '' : `${this.config.prefix}_`;
    // Get-or-create, not static providers: names depend on METRICS_PREFIX and
    // METRICS_INPROGRESS_NAME.
    this.requests = hotCounter({
      name: prefix + HTTP_REQUESTS_TOTAL,
      help: 'HTTP requests by method, route template and status (grouped as 2xx unless configured off).',
      labelNames: ['method', 'handler', 'status'],
    });
    this.duration = hotHistogram({
      name: prefix + HTTP_REQUEST_DURATION_SECONDS,
      help: 'HTTP request latency by method and route template.',
      labelNames: ['method', 'handler'],
      buckets: HTTP_DURATION_BUCKETS,
    });
    this.inProgress = hotGauge({
      name: prefix + this.config.inProgressName,
      help: 'HTTP requests being served, by method and route template.',
      labelNames: ['method', 'handler'],
    });
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      this.seriesOf(request)?.inProgress.inc();
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      const series = this.seriesOf(request);
      if (series) {
        series.inProgress.dec();
        series.duration.observe(reply.elapsedTime / 1000);
        this.requestsFor(series, reply.statusCode).inc();
      }
      done();
    });
  }

  private seriesOf(request: FastifyRequest): RouteSeries | undefined {
    const template = request.routeOptions.url;
    if (template === undefined) {
      if (!this.config.groupUnmatched || this.excluded.has(request.url.split('?', 1)[0]))
        return undefined;
      return this.routeSeries(request.method, UNMATCHED_HANDLER) ?? undefined;
    }
    return this.routeSeries(request.method, template) ?? undefined;
  }

  private requestsFor(series: RouteSeries, code: number): CounterSeries {
    let handle = series.requests.get(code);
    if (!handle) {
      const status = this.config.groupStatusCodes ? `${Math.floor(code / 100)}xx` : String(code);
      handle = this.requests!.series({ method: series.method, handler: series.handler, status });
      series.requests.set(code, handle);
    }
    return handle;
  }

  private routeSeries(method: string, handler: string): RouteSeries | null {
    let byHandler = this.series.get(method);
    if (!byHandler) this.series.set(method, (byHandler = new Map<string, RouteSeries | null>()));
    let series = byHandler.get(handler);
    if (series === undefined) {
      series = this.excluded.has(handler)
        ? null
        : {
            method,
            handler,
            requests: new Map(),
            duration: this.duration!.series({ method, handler }),
            inProgress: this.inProgress!.series({ method, handler }),
          };
      byHandler.set(handler, series);
    }
    return series;
  }
}
