import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type {
  CounterSeries,
  HistogramSeries,
  HotCounter,
  HotHistogram,
} from '../../metrics/hot-path-metrics';
import { metricsConfig, type MetricsConfig } from '../../config/metrics.config';
import { ClientLabels } from '../../metrics/client-labels';
import type { FailureReason } from '../delivery/delivery-error';
import type { SettledEmail } from '../delivery/settled-email';
import {
  EMAIL_FAILURES_TOTAL,
  EMAIL_RETRIES_TOTAL,
  EMAIL_SEND_ATTEMPTS_TOTAL,
  EMAIL_SEND_DURATION_SECONDS,
  EMAIL_SENT_TOTAL,
  type AttemptResult,
} from './email-metrics.constants';

/**
 * The email metrics, recorded where outcomes happen (the delivery workers), not where
 * HTTP requests end: an email answered with 202 is counted when it resolves, and exactly once.
 * A new label comes from `outcome.meta`, which MailService fills when it enqueues the email.
 */
@Injectable()
export class EmailMetrics {
  private readonly enabled: boolean;
  /** Series handles resolved once per label value (hot-path-metrics.ts). */
  private readonly byClient = new Map<
    string,
    { success: CounterSeries; failure: CounterSeries; duration: HistogramSeries }
  >();
  private readonly attemptsBy = new Map<AttemptResult, CounterSeries>();

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    private readonly clients: ClientLabels,
    @InjectMetric(EMAIL_SENT_TOTAL) private readonly sent: HotCounter<'client' | 'status'>,
    @InjectMetric(EMAIL_SEND_DURATION_SECONDS) private readonly duration: HotHistogram<'client'>,
    @InjectMetric(EMAIL_SEND_ATTEMPTS_TOTAL) private readonly attempts: HotCounter<'result'>,
    @InjectMetric(EMAIL_RETRIES_TOTAL) private readonly retries: Counter<'reason'>,
    @InjectMetric(EMAIL_FAILURES_TOTAL) private readonly failures: Counter<'client' | 'reason'>,
  ) {
    this.enabled = config.enabled;
  }

  settled(outcome: SettledEmail): void {
    if (!this.enabled) return;
    const client = this.clients.label(outcome.client);
    let series = this.byClient.get(client);
    if (!series) {
      series = {
        success: this.sent.series({ client, status: 'success' }),
        failure: this.sent.series({ client, status: 'failure' }),
        duration: this.duration.series({ client }),
      };
      this.byClient.set(client, series);
    }
    (outcome.status === 'sent' ? series.success : series.failure).inc();
    // The exemplar's email id links a slow bucket to that email's log line.
    series.duration.observeWithExemplar(outcome.durationSeconds, { email_id: outcome.id });
    if (outcome.status === 'failed')
      this.failures.inc({ client, reason: outcome.error?.code ?? 'unknown' });
  }

  attempt(result: AttemptResult): void {
    if (!this.enabled) return;
    let child = this.attemptsBy.get(result);
    if (!child) this.attemptsBy.set(result, (child = this.attempts.series({ result })));
    child.inc();
  }

  retry(reason: FailureReason): void {
    if (this.enabled) this.retries.inc({ reason });
  }
}
