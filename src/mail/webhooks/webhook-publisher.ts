import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  feedbackConfig,
  type FeedbackConfig,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../../config/feedback.config';
import type { EmailMeta } from '../delivery/settled-email';
import { suppressedOf } from '../suppression/suppressed-recipients';
import { labelsOf } from '../tags/email-tags';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox';

/** What an event says about its email (README, "Webhooks"). */
export interface WebhookEmailData {
  emailId: string;
  client: string;
  meta?: EmailMeta;
  attempts?: number;
  error?: { code: string; smtpCode: number | null; message: string };
  /** Recipients the relay refused for good (the others got the email). */
  refused?: Array<{ address: string; reason: string }>;
  extra?: Record<string, unknown>;
  /**
   * Makes the webhook-id a function of the email (`msg_<emailId>.<idKey>.<n>`) instead of
   * random: the same event written twice (a restart, another replica) is one to receivers.
   */
  idKey?: string;
}

/**
 * Writes events to the durable outbox for every endpoint of the email's client that wants
 * them; the dispatcher sends them. With no endpoints configured it does nothing at all.
 * Other modules (the SMTP ingress's `email.bounced`) call `publish` too.
 */
@Injectable()
export class WebhookPublisher {
  private readonly byClient = new Map<string, WebhookEndpoint[]>();

  constructor(
    @Inject(feedbackConfig.KEY) config: FeedbackConfig,
    private readonly outbox: WebhookOutbox,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    for (const endpoint of config.webhooks.endpoints) {
      this.byClient.set(endpoint.client, [...(this.byClient.get(endpoint.client) ?? []), endpoint]);
    }
  }

  /** Whether any endpoint is configured (with none, the feature costs nothing). */
  get active(): boolean {
    return this.byClient.size > 0;
  }

  /** Whether `client` has any endpoint (callers skip building payloads otherwise). */
  wants(client: string): boolean {
    return this.byClient.has(client);
  }

  /**
   * Resolves once the events are durable. The SQLite outbox writes before this returns (a
   * throw is the caller's); the Redis one when Redis acknowledged the write.
   */
  publish(type: WebhookEventType, data: WebhookEmailData): Promise<void> {
    const all = this.byClient.get(data.client) ?? [];
    const endpoints = all.filter((e) => e.events.includes(type));
    if (!endpoints.length) return Promise.resolve();
    const now = Date.now();
    const payload = {
      type,
      timestamp: new Date(now).toISOString(),
      data: {
        emailId: data.emailId,
        client: data.client,
        ...labelsOf(data.meta),
        ...suppressedOf(data.meta),
        ...(data.attempts === undefined ? {} : { attempts: data.attempts }),
        ...(data.refused?.length ? { refused: data.refused } : {}),
        ...(data.error ? { error: data.error } : {}),
        ...data.extra,
      },
    };
    const body = JSON.stringify(payload);
    const written = this.outbox.add(
      endpoints.map((endpoint) => ({
        id: data.idKey
          ? `msg_${data.emailId}.${data.idKey}.${all.indexOf(endpoint)}`
          : `msg_${randomUUID()}`,
        endpoint: endpoint.id,
        client: data.client,
        emailId: data.emailId,
        type,
        body,
        createdAt: now,
      })),
    );
    return written.then(() => this.dispatcher.wake());
  }
}
