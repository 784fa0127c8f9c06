import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getOrCreateMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_REQUEST_DURATION_SECONDS,
  HTTP_REQUESTS_TOTAL,
  UNMATCHED_HANDLER,
} from './metrics.constants';

interface RouteSeries {
  duration: ReturnType<Histogram<'method' | 'handler'>['labels']>;
  inProgress: ReturnType<Gauge<'method' | 'handler'>['labels']>;
}

const started = Symbol('httpMetricsStart');
type TimedRequest = FastifyRequest & { [started]?: { at: bigint; series: RouteSeries } };

/**
 * HTTP metrics in the style of prometheus-fastapi-instrumentator, taken from Fastify's
 * onRequest/onResponse hooks rather than a Nest interceptor: hooks also see what never
 * reaches a handler — 404s, 413/415 from the body parser, guard rejections (401/429).
 * `handler` is the route template, never the raw path, so ids in URLs add no series.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly excluded: ReadonlySet<string>;
  private readonly series = new Map<string, RouteSeries>();
  private requests?: Counter<'method' | 'handler' | 'status'>;
  private duration?: Histogram<'method' | 'handler'>;
  private inProgress?: Gauge<'method' | 'handler'>;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.excluded = new Set(config.excludedPaths);
  }

  onModuleInit(): void {
    if (!this.config.enabled) return;
    const prefix = this.config.prefix === '' ? '' : `${this.config.prefix}_`;
    // The library's get-or-create (what its make*Provider use): names depend on METRICS_PREFIX
    // and METRICS_INPROGRESS_NAME, so these cannot be static providers.
    this.requests = getOrCreateMetric('Counter', {
      name: prefix + HTTP_REQUESTS_TOTAL,
      help: 'HTTP requests by method, route template and status (grouped as 2xx unless configured off).',
      labelNames: ['method', 'handler', 'status'],
    }) as Counter<'method' | 'handler' | 'status'>;
    this.duration = getOrCreateMetric('Histogram', {
      name: prefix + HTTP_REQUEST_DURATION_SECONDS,
      help: 'HTTP request latency by method and route template.',
      labelNames: ['method', 'handler'],
      buckets: HTTP_DURATION_BUCKETS,
    }) as Histogram<'method' | 'handler'>;
    this.inProgress = getOrCreateMetric('Gauge', {
      name: prefix + this.config.inProgressName,
      help: 'HTTP requests being served, by method and route template.',
      labelNames: ['method', 'handler'],
    }) as Gauge<'method' | 'handler'>;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      this.start(request);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.finish(request, reply);
      done();
    });
  }

  private start(request: TimedRequest): void {
    const template = request.routeOptions.url;
    if (template === undefined && !this.config.groupUnmatched) return;
    const handler = template ?? UNMATCHED_HANDLER;
    if (this.excluded.has(handler) || this.excluded.has(request.url.split('?', 1)[0])) return;
    const series = this.routeSeries(request.method, handler);
    series.inProgress.inc();
    request[started] = { at: process.hrtime.bigint(), series };
  }

  private finish(request: TimedRequest, reply: FastifyReply): void {
    const timing = request[started];
    if (!timing) return;
    request[started] = undefined;
    timing.series.inProgress.dec();
    timing.series.duration.observe(Number(process.hrtime.bigint() - timing.at) / 1e9);
    const code = reply.statusCode;
    const handler = request.routeOptions.url ?? UNMATCHED_HANDLER;
    this.requests!.inc({
      method: request.method,
      handler,
      status: this.config.groupStatusCodes ? `${Math.floor(code / 100)}xx` : String(code),
    });
  }

  /** Labelled children cached per route: prom-client hashes label sets on every lookup. */
  private routeSeries(method: string, handler: string): RouteSeries {
    const key = `${method} ${handler}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        duration: this.duration!.labels(method, handler),
        inProgress: this.inProgress!.labels(method, handler),
      };
      this.series.set(key, series);
    }
    return series;
  }
}
