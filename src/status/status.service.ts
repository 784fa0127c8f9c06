import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { register } from 'prom-client';
import {
  EMAIL_QUEUE_SIZE,
  EMAIL_RETRIES_TOTAL,
  EMAIL_SEND_DURATION_SECONDS,
  EMAIL_SENT_TOTAL,
} from '../mail/metrics/email-metrics.constants';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config';
import { observabilityConfig, type ObservabilityConfig } from '../config/observability.config';
import type { StatusData, StatusSnapshot } from './status-data';
import { StatusHistory } from './status-history';
import { StatusOperations } from './status-operations';

type MetricJson = Awaited<ReturnType<typeof register.getMetricsAsJSON>>[number];
type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

/**
 * Reads the email metrics from prom-client's registry for the status page, so the browser
 * needs neither METRICS_AUTH nor a Prometheus parser: the same numbers /metrics shows. A
 * sample every STATUS_HISTORY_INTERVAL_MS goes into a bounded ring, so the page has the
 * last hour to show the moment it opens.
 */
@Injectable()
export class StatusService implements OnModuleInit, OnModuleDestroy {
  private readonly history: StatusHistory;
  private timer?: NodeJS.Timeout;
  private readonly replica = hostname();

  constructor(
    @Inject(observabilityConfig.KEY) private readonly config: ObservabilityConfig,
    @Inject(metricsConfig.KEY) metrics: MetricsConfig,
    private readonly operations: StatusOperations,
  ) {
    this.history = new StatusHistory(undefined, metrics.emailDurationBuckets);
  }

  onModuleInit(): void {
    if (!this.config.statusPageEnabled) return;
    const sample = () => void this.snapshot().then((s) => this.history.record(s));
    sample();
    this.timer = setInterval(sample, this.config.statusHistoryIntervalMs).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * The current figures plus the history samples taken after `since` (ms). Scoped to
   * `client` when given: its own series only, and no history (kept replica-wide, it would
   * show every client's volume); the page then builds its charts from its own polls.
   */
  async data(since: number, client?: string): Promise<StatusData> {
    const dashboard = this.config.grafanaUrl && `${this.config.grafanaUrl}/d/mailwatch/mailwatch`;
    return {
      ...(await this.snapshot(client)),
      ...(await this.operations.read(client)),
      replica: this.replica,
      client: client ?? null,
      dashboardUrl: dashboard ?? null,
      history: {
        intervalMs: this.config.statusHistoryIntervalMs,
        capacity: this.history.capacity,
        points: client === undefined ? this.history.since(since) : [],
      },
    };
  }

  /** Every client's figures, or only `client`'s (its labelled series). */
  async snapshot(client?: string): Promise<StatusSnapshot> {
    const wanted = [
      EMAIL_SENT_TOTAL,
      EMAIL_QUEUE_SIZE,
      EMAIL_RETRIES_TOTAL,
      EMAIL_SEND_DURATION_SECONDS,
    ];
    // Only the four families: collecting the whole registry would run every collect().
    const metrics: Array<MetricJson | undefined> = await Promise.all(
      wanted.map(async (name) => register.getSingleMetric(name)?.get()),
    );
    const byName = new Map<string, Sample[]>();
    for (const metric of metrics) {
      if (metric) byName.set(metric.name, metric.values as Sample[]);
    }
    const samples = (name: string): Sample[] =>
      (byName.get(name) ?? []).filter(
        (s) => client === undefined || !('client' in s.labels) || s.labels.client === client,
      );
    const total = (name: string) => samples(name).reduce((sum, s) => sum + s.value, 0);

    const buckets = new Map<number, number>();
    let count = 0;
    let sum = 0;
    for (const s of samples(EMAIL_SEND_DURATION_SECONDS)) {
      if (s.metricName?.endsWith('_bucket')) {
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        buckets.set(le, (buckets.get(le) ?? 0) + s.value);
      } else if (s.metricName?.endsWith('_count')) count += s.value;
      else if (s.metricName?.endsWith('_sum')) sum += s.value;
    }

    return {
      time: Date.now(),
      sent: samples(EMAIL_SENT_TOTAL).map((s) => ({
        client: String(s.labels.client),
        status: String(s.labels.status),
        value: s.value,
      })),
      queueSize: total(EMAIL_QUEUE_SIZE),
      retries: total(EMAIL_RETRIES_TOTAL),
      duration: {
        buckets: [...buckets]
          .filter(([le]) => Number.isFinite(le))
          .sort(([a], [b]) => a - b)
          .map(([le, c]) => ({ le, count: c })),
        count,
        sum,
      },
    };
  }
}
