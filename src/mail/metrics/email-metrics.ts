import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
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

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    private readonly clients: ClientLabels,
    @InjectMetric(EMAIL_SENT_TOTAL) private readonly sent: Counter<'client' | 'status'>,
    @InjectMetric(EMAIL_SEND_DURATION_SECONDS) private readonly duration: Histogram<string>,
    @InjectMetric(EMAIL_SEND_ATTEMPTS_TOTAL) private readonly attempts: Counter<'result'>,
    @InjectMetric(EMAIL_RETRIES_TOTAL) private readonly retries: Counter<'reason'>,
    @InjectMetric(EMAIL_FAILURES_TOTAL) private readonly failures: Counter<'client' | 'reason'>,
  ) {
    this.enabled = config.enabled;
  }

  settled(outcome: SettledEmail): void {
    if (!this.enabled) return;
    const client = this.clients.label(outcome.client);
    this.sent.inc({ client, status: outcome.status === 'sent' ? 'success' : 'failure' });
    this.duration.observe({
      labels: { client },
      value: outcome.durationSeconds,
      exemplarLabels: { email_id: outcome.id },
    });
    if (outcome.status === 'failed')
      this.failures.inc({ client, reason: outcome.error?.code ?? 'unknown' });
  }

  attempt(result: AttemptResult): void {
    if (this.enabled) this.attempts.inc({ result });
  }

  retry(reason: FailureReason): void {
    if (this.enabled) this.retries.inc({ reason });
  }
}
