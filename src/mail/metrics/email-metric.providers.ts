import type { Provider } from '@nestjs/common';
import { getToken, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { hotCounter, hotHistogram } from '../../metrics/hot-path-metrics';
import { mailConfig, type MailConfig } from '../../config/mail.config';
import { metricsConfig, type MetricsConfig } from '../../config/metrics.config';
import { FAILURE_REASONS } from '../delivery/delivery-error';
import type { DeliveryQueue } from '../delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE, MAIL_TRANSPORT } from '../mail.constants';
import type { MailTransport } from '../transport/mail-transport';
import {
  EMAIL_FAILURES_TOTAL,
  EMAIL_POSSIBLE_DUPLICATES_TOTAL,
  EMAIL_DELIVERY_LIFETIME_SECONDS,
  EMAIL_QUEUE_EMAILS,
  EMAIL_QUEUE_JOBS,
  EMAIL_QUEUE_OLDEST_AGE_SECONDS,
  EMAIL_QUEUE_ACCEPTING,
  EMAIL_QUEUE_REPLICAS_MISSING,
  EMAIL_QUEUE_SIZE,
  EMAIL_RETRIES_TOTAL,
  EMAIL_SEND_ATTEMPTS_TOTAL,
  EMAIL_SEND_DURATION_SECONDS,
  EMAIL_SENT_TOTAL,
  EMAIL_SMTP_ATTEMPTS_TOTAL,
  EMAIL_SMTP_POSSIBLE_DUPLICATES_TOTAL,
  EMAIL_SMTP_UP,
} from './email-metrics.constants';

/** Per relay when the transport has several (engine), else the one relay of SMTP_RELAY_NAME. */
function relayStatuses(transport: MailTransport, config: MailConfig) {
  if (transport.relays) return transport.relays();
  const health = transport.relayHealth?.();
  return health ? [{ name: config.smtpRelayName, attempts: {}, ...health }] : [];
}

/** The mail feature's metric families, declared with @willsoto/nestjs-prometheus. */
export const emailMetricProviders: Provider[] = [
  // Recorded once or twice per email: prom-client with per-series handles (hot-path-metrics.ts).
  {
    provide: getToken(EMAIL_SENT_TOTAL),
    useFactory: () =>
      hotCounter({
        name: EMAIL_SENT_TOTAL,
        help: 'Emails by final outcome: success (an SMTP server accepted it) or failure (rejected or retries exhausted). Counted once per email.',
        labelNames: ['client', 'status'],
      }),
  },
  {
    provide: getToken(EMAIL_SEND_ATTEMPTS_TOTAL),
    useFactory: () =>
      hotCounter({
        name: EMAIL_SEND_ATTEMPTS_TOTAL,
        help: 'Delivery attempts by result: success, transient (will or could be retried) or permanent failure.',
        labelNames: ['result'],
      }),
  },
  makeCounterProvider({
    name: EMAIL_RETRIES_TOTAL,
    help: 'Retries scheduled after a transient failure, by reason.',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: EMAIL_FAILURES_TOTAL,
    // client: the SLO alerts leave a client's permanent rejections out of its error budget.
    help: `Emails that finally failed, by client and reason (${FAILURE_REASONS.join(', ')}).`,
    labelNames: ['client', 'reason'],
  }),
  {
    provide: getToken(EMAIL_SEND_DURATION_SECONDS),
    inject: [metricsConfig.KEY],
    useFactory: (config: MetricsConfig) =>
      hotHistogram({
        name: EMAIL_SEND_DURATION_SECONDS,
        help: 'Time from accepting an email to its final outcome, retries included.',
        labelNames: ['client'],
        buckets: config.emailDurationBuckets,
        enableExemplars: true,
      }),
  },
  // Read from the running queue driver at scrape time: nothing pushes into these gauges.
  makeGaugeProvider({
    name: EMAIL_QUEUE_SIZE,
    help: 'Emails accepted and not yet finally resolved (waiting, sending or waiting to retry).',
    inject: [DELIVERY_QUEUE],
    async collect(this: Gauge, queue: DeliveryQueue) {
      this.set(await queue.size());
    },
  }),
  makeGaugeProvider({
    name: EMAIL_QUEUE_ACCEPTING,
    help: 'Whether this replica takes emails (1) or answers 503 because its queue store is unreachable (Redis down, spool not writable) or it is draining (0). Alert on every replica at 0.',
    inject: [DELIVERY_QUEUE],
    collect(this: Gauge, queue: DeliveryQueue) {
      this.set(queue.isAccepting() ? 1 : 0);
    },
  }),
  makeGaugeProvider({
    name: EMAIL_QUEUE_REPLICAS_MISSING,
    help: 'Replicas the Redis master of the queue lacks against REDIS_WAIT_REPLICAS, as last seen by an enqueue (redis driver; 0 otherwise). Above 0, emails are acknowledged with fewer copies than asked for.',
    inject: [DELIVERY_QUEUE],
    collect(this: Gauge, queue: DeliveryQueue) {
      this.set(queue.replicasMissing?.() ?? 0);
    },
  }),
  makeGaugeProvider({
    name: EMAIL_QUEUE_EMAILS,
    help: 'Emails accepted and not yet resolved, by state: queued (waiting for a worker), deferred (waiting for a retry after a temporary failure, or for a relay to come back), sending. The states add up to email_queue_size.',
    labelNames: ['state'],
    inject: [DELIVERY_QUEUE],
    async collect(this: Gauge, queue: DeliveryQueue) {
      const backlog = await queue.backlog?.();
      this.reset();
      if (!backlog) return;
      for (const [state, { count }] of Object.entries(backlog)) this.set({ state }, count);
    },
  }),
  makeGaugeProvider({
    name: EMAIL_QUEUE_OLDEST_AGE_SECONDS,
    help: 'Seconds since the oldest unfinished email of each state was accepted (0 when none). Compare deferred with email_delivery_lifetime_seconds: at that age it expires.',
    labelNames: ['state'],
    inject: [DELIVERY_QUEUE],
    async collect(this: Gauge, queue: DeliveryQueue) {
      const backlog = await queue.backlog?.();
      this.reset();
      if (!backlog) return;
      const now = Date.now();
      for (const [state, { oldestAcceptedAt }] of Object.entries(backlog)) {
        const age = oldestAcceptedAt === undefined ? 0 : Math.max(0, now - oldestAcceptedAt);
        this.set({ state }, age / 1000);
      }
    },
  }),
  makeGaugeProvider({
    name: EMAIL_DELIVERY_LIFETIME_SECONDS,
    help: 'DELIVERY_LIFETIME: how long after acceptance temporary failures are retried before the email fails as expired.',
    inject: [mailConfig.KEY],
    collect(this: Gauge, config: MailConfig) {
      this.set(config.deliveryLifetimeMs / 1000);
    },
  }),
  makeCounterProvider({
    name: EMAIL_POSSIBLE_DUPLICATES_TOTAL,
    help: 'Emails that may have been delivered twice: sent again after their attempt was cut off mid-send (spool: a restart; redis: a failover or lost lock), or refused with 503 while Redis may still run them.',
    inject: [DELIVERY_QUEUE],
    collect(this: Counter<string>, queue: DeliveryQueue) {
      // Monotonic within the process: the driver's own count since start.
      this.reset();
      this.inc(queue.possibleDuplicates?.() ?? 0);
    },
  }),
  makeGaugeProvider({
    name: EMAIL_QUEUE_JOBS,
    help: 'Jobs in the shared queue by state (redis driver; read from Redis at scrape time).',
    labelNames: ['state'],
    inject: [DELIVERY_QUEUE],
    async collect(this: Gauge, queue: DeliveryQueue) {
      const states = (await queue.states?.()) ?? {};
      this.reset();
      for (const [state, count] of Object.entries(states)) this.set({ state }, count ?? 0);
    },
  }),
  // Relay health, read from the transport at scrape time (no I/O): no series for the outbox.
  makeGaugeProvider({
    name: EMAIL_SMTP_UP,
    help: 'Whether each SMTP relay answered the last time it was tried (1) or not (0); relay = its name in SMTP_URL (or SMTP_RELAY_NAME).',
    labelNames: ['relay'],
    inject: [MAIL_TRANSPORT, mailConfig.KEY],
    collect(this: Gauge, transport: MailTransport, config: MailConfig) {
      for (const relay of relayStatuses(transport, config)) {
        if (relay.up !== undefined) this.set({ relay: relay.name }, relay.up ? 1 : 0);
      }
    },
  }),
  makeCounterProvider({
    name: EMAIL_SMTP_ATTEMPTS_TOTAL,
    help: 'Attempts that reached each SMTP relay, by outcome: sent, or the failure reason (deferred, rejected, connection, timeout, auth, protocol, message). Failover shows as one relay failing and the next sending.',
    labelNames: ['relay', 'outcome'],
    inject: [MAIL_TRANSPORT],
    collect(this: Counter, transport: MailTransport) {
      if (!transport.relays) return;
      // The engine keeps the counts; the counter mirrors them at scrape time.
      this.reset();
      for (const relay of transport.relays()) {
        for (const [outcome, count] of Object.entries(relay.attempts))
          this.inc({ relay: relay.name, outcome }, count);
      }
    },
  }),
  makeCounterProvider({
    name: EMAIL_SMTP_POSSIBLE_DUPLICATES_TOTAL,
    help: 'Attempts whose connection was lost after the whole message was sent: the relay may have accepted it, so the retry can deliver it twice.',
    labelNames: ['relay'],
    inject: [MAIL_TRANSPORT, mailConfig.KEY],
    collect(this: Counter, transport: MailTransport, config: MailConfig) {
      const relays = relayStatuses(transport, config);
      if (relays.length === 0) return;
      // The engine keeps the count; the counter mirrors it at scrape time.
      this.reset();
      for (const relay of relays) this.inc({ relay: relay.name }, relay.possibleDuplicates);
    },
  }),
];
