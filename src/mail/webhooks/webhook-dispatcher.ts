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
import { EndpointHealth, type EndpointStatus } from './endpoint-health';
import { EMAIL_WEBHOOK_DELIVERIES_TOTAL } from './webhook.constants';
import { WebhookOutbox, type OutboxEvent } from './webhook-outbox';
import { WebhookSender } from './webhook-sender';

/** How often the outbox is looked at when nothing woke the loop (retries coming due). */
const POLL_MS = 500;
const BATCH = 64;
/** At most one log line per this period about an unreachable outbox (Redis down). */
const OUTBOX_ERROR_LOG_MS = 10_000;

/**
 * Sends the outbox's due events, at most WEBHOOK_CONCURRENCY per endpoint at a time, and
 * retries failures with exponential backoff and jitter (WEBHOOK_RETRY_BASE_MS doubling up to
 * WEBHOOK_RETRY_MAX_MS) until WEBHOOK_MAX_AGE_SECONDS, then gives up (`expired`). An endpoint
 * failing for WEBHOOK_PAUSE_AFTER_SECONDS is paused (EndpointHealth): its events are kept.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly health = new Map<string, EndpointHealth>();
  private readonly inFlight = new Map<string, number>();
  private readonly sender: WebhookSender;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private again = false;
  private lastOutboxErrorLog = 0;

  constructor(
    @Inject(feedbackConfig.KEY) private readonly config: FeedbackConfig,
    private readonly outbox: WebhookOutbox,
    private readonly clients: ClientLabels,
    @InjectMetric(EMAIL_WEBHOOK_DELIVERIES_TOTAL)
    private readonly deliveries: Counter<'client' | 'outcome'>,
  ) {
    const { pauseAfterSeconds, retryBaseMs, retryMaxMs, timeoutMs } = config.webhooks;
    for (const e of config.webhooks.endpoints) {
      this.endpoints.set(e.id, e);
      this.health.set(e.id, new EndpointHealth(pauseAfterSeconds * 1000, retryBaseMs, retryMaxMs));
    }
    this.sender = new WebhookSender(timeoutMs, config.webhooks.allowPrivate);
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

  /** Every endpoint with its state, for GET /webhooks (never its URL's path or secrets). */
  statuses(): Array<{ endpoint: WebhookEndpoint } & EndpointStatus> {
    return [...this.endpoints.values()].map((endpoint) => ({
      endpoint,
      ...this.health.get(endpoint.id)!.status(),
    }));
  }

  /** Paused endpoints per client (email_webhook_endpoint_paused). */
  pausedByClient(): Map<string, number> {
    const paused = new Map<string, number>();
    for (const endpoint of this.endpoints.values()) {
      const n = this.health.get(endpoint.id)!.paused ? 1 : 0;
      paused.set(endpoint.client, (paused.get(endpoint.client) ?? 0) + n);
    }
    return paused;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.again = false;
    try {
      const { timeoutMs, maxAgeSeconds } = this.config.webhooks;
      const now = Date.now();
      // The lease outlives the request: a crash leaves the event due again shortly after.
      for (const event of await this.outbox.claim(now, BATCH, now + timeoutMs + 5_000)) {
        if (this.stopped) return;
        const endpoint = this.endpoints.get(event.endpoint);
        if (!endpoint) continue; // Removed from WEBHOOKS_FILE: stays until it is back.
        const busy = this.inFlight.get(endpoint.id) ?? 0;
        if (busy >= this.config.webhooks.concurrency) {
          await this.outbox.retryAt(event.id, now);
          continue;
        }
        const admitted = this.health.get(endpoint.id)!.admit(now);
        if (!admitted.send) {
          // Paused: kept, not sent; still given up at its maximum age.
          if (now - event.createdAt > maxAgeSeconds * 1000)
            await this.giveUp(endpoint, event, 'paused');
          else await this.outbox.retryAt(event.id, admitted.until);
          continue;
        }
        this.inFlight.set(endpoint.id, busy + 1);
        void this.deliver(endpoint, event);
      }
    } catch (err) {
      this.outboxFailed(err);
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.again ? 0 : POLL_MS);
    }
  }

  private async deliver(endpoint: WebhookEndpoint, event: OutboxEvent): Promise<void> {
    const client = this.clients.label(endpoint.client);
    const health = this.health.get(endpoint.id)!;
    try {
      const result = await this.sender.send(endpoint, event);
      if (this.stopped) return;
      if (result.ok) {
        if (health.succeeded()) this.logger.log(`webhook endpoint ${endpoint.id} resumed`);
        await this.outbox.done(event.id);
        this.deliveries.inc({ client, outcome: 'success' });
        return;
      }
      const now = Date.now();
      if (health.failed(result.reason, now)) {
        this.logger.warn(
          `webhook endpoint ${endpoint.id} paused: failing since ${health.status().failingSince} (${result.reason}); events are kept`,
        );
      }
      const { maxAgeSeconds, retryBaseMs, retryMaxMs } = this.config.webhooks;
      if (result.reason === 'forbidden target')
        return await this.giveUp(endpoint, event, result.reason, 'forbidden');
      if (now - event.createdAt > maxAgeSeconds * 1000)
        return await this.giveUp(endpoint, event, result.reason);
      this.deliveries.inc({ client, outcome: 'failure' });
      const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(event.attempts - 1, 20));
      await this.outbox.retryAt(event.id, now + Math.round(delay * (0.8 + Math.random() * 0.4)));
    } catch (err) {
      // Not acknowledged in the outbox: the lease lapses and the event is sent again.
      if (health.paused) health.failed('outbox unreachable', Date.now());
      this.outboxFailed(err);
    } finally {
      this.inFlight.set(endpoint.id, (this.inFlight.get(endpoint.id) ?? 1) - 1);
      if (!this.stopped) this.wake();
    }
  }

  private async giveUp(
    endpoint: WebhookEndpoint,
    event: OutboxEvent,
    reason: string,
    outcome: 'expired' | 'forbidden' = 'expired',
  ): Promise<void> {
    await this.outbox.done(event.id);
    this.deliveries.inc({ client: this.clients.label(endpoint.client), outcome });
    this.logger.warn(
      `webhook ${event.id} to ${endpoint.id} given up after ${event.attempts} attempts (${reason})`,
    );
  }

  private outboxFailed(err: unknown): void {
    if (this.stopped || Date.now() - this.lastOutboxErrorLog < OUTBOX_ERROR_LOG_MS) return;
    this.lastOutboxErrorLog = Date.now();
    this.logger.error(`webhook outbox unreachable: ${(err as Error).message}`);
  }
}
