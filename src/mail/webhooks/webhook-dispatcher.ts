import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import {
  feedbackConfig,
  type FeedbackConfig,
  type WebhookEndpoint,
} from '../../config/feedback.config';
import { ClientLabels } from '../../metrics/client-labels';
import { EMAIL_WEBHOOK_DELIVERIES_TOTAL } from './webhook.constants';
import { WebhookOutbox, type OutboxEvent } from './webhook-outbox';
import { WebhookSender } from './webhook-sender';

/** How often the outbox is looked at when nothing woke the loop (retries coming due). */
const POLL_MS = 500;
const BATCH = 64;

/**
 * Sends the outbox's due events, at most WEBHOOK_CONCURRENCY per endpoint at a time, and
 * retries failures with exponential backoff and jitter (WEBHOOK_RETRY_BASE_MS doubling up to
 * WEBHOOK_RETRY_MAX_MS) until WEBHOOK_MAX_AGE_SECONDS, then gives up (`expired`).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly inFlight = new Map<string, number>();
  private readonly sender: WebhookSender;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private again = false;

  constructor(
    @Inject(feedbackConfig.KEY) private readonly config: FeedbackConfig,
    private readonly outbox: WebhookOutbox,
    private readonly clients: ClientLabels,
    @InjectMetric(EMAIL_WEBHOOK_DELIVERIES_TOTAL)
    private readonly deliveries: Counter<'client' | 'outcome'>,
  ) {
    for (const e of config.webhooks.endpoints) this.endpoints.set(e.id, e);
    this.sender = new WebhookSender(config.webhooks.timeoutMs, config.webhooks.allowPrivate);
  }

  onApplicationBootstrap(): void {
    if (this.endpoints.size === 0) return;
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    // Events in flight stay leased in the outbox and are sent again after a restart.
    this.outbox.close();
  }

  /** A new event was written: look now instead of at the next poll. */
  wake(): void {
    if (this.stopped || this.endpoints.size === 0) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = true;
    this.again = false;
    try {
      const { timeoutMs } = this.config.webhooks;
      const now = Date.now();
      // The lease outlives the request: a crash leaves the event due again shortly after.
      for (const event of this.outbox.claim(now, BATCH, now + timeoutMs + 5_000)) {
        const endpoint = this.endpoints.get(event.endpoint);
        if (!endpoint) continue; // Removed from WEBHOOKS_FILE: stays until it is back.
        const busy = this.inFlight.get(endpoint.id) ?? 0;
        if (busy >= this.config.webhooks.concurrency) {
          this.outbox.retryAt(event.id, now);
          continue;
        }
        this.inFlight.set(endpoint.id, busy + 1);
        void this.deliver(endpoint, event);
      }
    } catch (err) {
      this.logger.error(`webhook outbox unreadable: ${(err as Error).message}`);
    } finally {
      this.running = false;
      this.schedule(this.again ? 0 : POLL_MS);
    }
  }

  private async deliver(endpoint: WebhookEndpoint, event: OutboxEvent): Promise<void> {
    const client = this.clients.label(endpoint.client);
    try {
      const result = await this.sender.send(endpoint, event);
      if (this.stopped) return;
      if (result.ok) {
        this.outbox.done(event.id);
        this.deliveries.inc({ client, outcome: 'success' });
        return;
      }
      const { maxAgeSeconds, retryBaseMs, retryMaxMs } = this.config.webhooks;
      const outcome = result.reason === 'forbidden target' ? 'forbidden' : 'failure';
      if (Date.now() - event.createdAt > maxAgeSeconds * 1000 || outcome === 'forbidden') {
        this.outbox.done(event.id);
        this.deliveries.inc({ client, outcome: outcome === 'forbidden' ? outcome : 'expired' });
        this.logger.warn(
          `webhook ${event.id} to ${endpoint.id} given up after ${event.attempts} attempts (${result.reason})`,
        );
        return;
      }
      this.deliveries.inc({ client, outcome });
      const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(event.attempts - 1, 20));
      this.outbox.retryAt(event.id, Date.now() + Math.round(delay * (0.8 + Math.random() * 0.4)));
    } catch (err) {
      this.logger.error(`webhook ${event.id}: ${(err as Error).message}`);
    } finally {
      this.inFlight.set(endpoint.id, (this.inFlight.get(endpoint.id) ?? 1) - 1);
      if (!this.stopped) this.wake();
    }
  }
}
