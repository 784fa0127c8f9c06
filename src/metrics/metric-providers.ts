import { getToken, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Provider } from '@nestjs/common';
import { Gauge, Histogram, register } from 'prom-client';
import { FAILURE_REASONS } from '../mail/delivery/delivery-error';
import {
  EMAIL_DURATION_BUCKETS,
  EMAIL_FAILURES_TOTAL,
  EMAIL_QUEUE_JOBS,
  EMAIL_QUEUE_SIZE,
  EMAIL_RETRIES_TOTAL,
  EMAIL_SEND_ATTEMPTS_TOTAL,
  EMAIL_SEND_DURATION_SECONDS,
  EMAIL_SENT_TOTAL,
} from './metrics.constants';
import { QueueDepth } from './queue-depth';

/** Returns the metric already in the registry (a second app in one process), or registers it. */
export function registerOnce<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const emailMetricProviders: Provider[] = [
  makeCounterProvider({
    name: EMAIL_SENT_TOTAL,
    help: 'Emails by final outcome: success (an SMTP server accepted it) or failure (rejected or retries exhausted). Counted once per email.',
    labelNames: ['client', 'status'],
  }),
  makeCounterProvider({
    name: EMAIL_SEND_ATTEMPTS_TOTAL,
    help: 'Delivery attempts by result: success, transient (will or could be retried) or permanent failure.',
    labelNames: ['result'],
  }),
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
    // Built by hand: exemplars need `enableExemplars`, which prom-client refuses on a
    // classic-format registry at construction, so the histogram is added afterwards.
    provide: getToken(EMAIL_SEND_DURATION_SECONDS),
    useFactory: () =>
      registerOnce(EMAIL_SEND_DURATION_SECONDS, () => {
        const histogram = new Histogram({
          name: EMAIL_SEND_DURATION_SECONDS,
          help: 'Time from accepting an email to its final outcome, retries included.',
          labelNames: ['client'],
          buckets: EMAIL_DURATION_BUCKETS,
          enableExemplars: true,
          registers: [],
        });
        register.registerMetric(histogram);
        return histogram;
      }),
  },
  {
    provide: getToken(EMAIL_QUEUE_SIZE),
    inject: [QueueDepth],
    useFactory: (depth: QueueDepth) =>
      registerOnce(
        EMAIL_QUEUE_SIZE,
        () =>
          new Gauge({
            name: EMAIL_QUEUE_SIZE,
            help: 'Emails accepted and not yet finally resolved (waiting, sending or waiting to retry).',
            async collect() {
              this.set(await depth.size());
            },
          }),
      ),
  },
  {
    provide: getToken(EMAIL_QUEUE_JOBS),
    inject: [QueueDepth],
    useFactory: (depth: QueueDepth) =>
      registerOnce(
        EMAIL_QUEUE_JOBS,
        () =>
          new Gauge({
            name: EMAIL_QUEUE_JOBS,
            help: 'Jobs in the shared queue by state (redis driver; read from Redis at scrape time).',
            labelNames: ['state'],
            async collect() {
              const states = await depth.states();
              this.reset();
              for (const [state, count] of Object.entries(states)) this.set({ state }, count);
            },
          }),
      ),
  },
];
