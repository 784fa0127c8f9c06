import { Inject, Injectable, type Provider } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { metricsConfig, type MetricsConfig } from '../../config/metrics.config';
import { ClientLabels } from '../../metrics/client-labels';

export const SMTP_INGRESS_MESSAGES_TOTAL = 'smtp_ingress_messages_total';
export const SMTP_INGRESS_AUTH_FAILURES_TOTAL = 'smtp_ingress_auth_failures_total';
export const SMTP_INGRESS_CONNECTIONS_REFUSED_TOTAL = 'smtp_ingress_connections_refused_total';
export const EMAIL_BOUNCED_TOTAL = 'email_bounced_total';
export const EMAIL_BOUNCE_REPORTS_TOTAL = 'email_bounce_reports_total';

/** What became of a message submitted over SMTP (the `result` label). */
export type SubmissionResult =
  | 'accepted'
  | 'duplicate'
  | 'refused_policy'
  | 'refused_size'
  | 'refused_rate'
  | 'refused_quota'
  | 'refused_invalid'
  | 'unavailable';

/** What a message to the bounce domain turned out to be (the `result` label). */
export type BounceReportResult = 'hard' | 'soft' | 'ignored' | 'unparsed' | 'forged';

export const ingressMetricProviders: Provider[] = [
  makeCounterProvider({
    name: SMTP_INGRESS_MESSAGES_TOTAL,
    help: 'Messages submitted over SMTP by result: accepted (stored before 250), duplicate (same Message-ID within the idempotency window, not sent again) or refused with the reason (refused_quota: over CLIENT_QUOTAS).',
    labelNames: ['client', 'result'],
  }),
  makeCounterProvider({
    name: SMTP_INGRESS_AUTH_FAILURES_TOTAL,
    help: 'SMTP AUTH attempts refused: unknown key, or a username that is not the key’s client.',
    labelNames: [],
  }),
  makeCounterProvider({
    name: SMTP_INGRESS_CONNECTIONS_REFUSED_TOTAL,
    help: 'SMTP connections refused with 421 by reason: max_connections (SMTP_INGRESS_MAX_CONNECTIONS) or max_per_ip (SMTP_INGRESS_MAX_CONNECTIONS_PER_IP).',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: EMAIL_BOUNCED_TOTAL,
    help: 'Recipients reported undeliverable after the relay accepted the email, by type: hard (permanent, address suppressed) or soft (temporary, recorded only).',
    labelNames: ['client', 'type'],
  }),
  makeCounterProvider({
    name: EMAIL_BOUNCE_REPORTS_TOTAL,
    help: 'Messages received for the bounce domain by result: hard, soft, ignored (delivered/relayed notices), unparsed (no recipient status found), forged (wrong or missing return-path token; nothing changed).',
    labelNames: ['result'],
  }),
];

/** The ingress feature's counters, with client labels bounded like email_sent_total's. */
@Injectable()
export class IngressMetrics {
  private readonly enabled: boolean;

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    private readonly clients: ClientLabels,
    @InjectMetric(SMTP_INGRESS_MESSAGES_TOTAL)
    private readonly messages: Counter<'client' | 'result'>,
    @InjectMetric(SMTP_INGRESS_AUTH_FAILURES_TOTAL) private readonly authFailures: Counter,
    @InjectMetric(SMTP_INGRESS_CONNECTIONS_REFUSED_TOTAL)
    private readonly refusedConnections: Counter<'reason'>,
    @InjectMetric(EMAIL_BOUNCED_TOTAL) private readonly bounced: Counter<'client' | 'type'>,
    @InjectMetric(EMAIL_BOUNCE_REPORTS_TOTAL) private readonly reports: Counter<'result'>,
  ) {
    this.enabled = config.enabled;
  }

  submission(client: string, result: SubmissionResult): void {
    if (this.enabled) this.messages.inc({ client: this.clients.label(client), result });
  }

  authFailure(): void {
    if (this.enabled) this.authFailures.inc();
  }

  connectionRefused(reason: 'max_connections' | 'max_per_ip'): void {
    if (this.enabled) this.refusedConnections.inc({ reason });
  }

  bounce(client: string, type: 'hard' | 'soft'): void {
    if (this.enabled) this.bounced.inc({ client: this.clients.label(client), type });
  }

  report(result: BounceReportResult): void {
    if (this.enabled) this.reports.inc({ result });
  }
}
