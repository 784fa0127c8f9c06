import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint } from '../../config/feedback.config';
import { isIP } from 'node:net';
import { guardedLookup, isForbiddenAddress } from './webhook-target';
import type { OutboxEvent } from './webhook-outbox';

export type SendResult = { ok: true } | { ok: false; reason: string };

/**
 * One signed POST (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature with
 * one `v1,<HMAC-SHA256>` per secret, by the `standardwebhooks` package). 2xx is delivered;
 * anything else — 3xx included: redirects are never followed — is a failure to retry.
 */
export class WebhookSender {
  private readonly signers = new Map<string, Webhook[]>();

  constructor(
    private readonly timeoutMs: number,
    private readonly allowPrivate: boolean,
  ) {}

  send(endpoint: WebhookEndpoint, event: OutboxEvent): Promise<SendResult> {
    let signers = this.signers.get(endpoint.id);
    if (!signers) {
      signers = endpoint.secrets.map((secret) => new Webhook(secret));
      this.signers.set(endpoint.id, signers);
    }
    const timestamp = new Date();
    const signature = signers.map((s) => s.sign(event.id, timestamp, event.body)).join(' ');
    const url = new URL(endpoint.url);
    // An address literal is connected to without a lookup: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host))
      return Promise.resolve({ ok: false, reason: 'forbidden target' });
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          lookup: guardedLookup(this.allowPrivate),
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'mailwatch-webhooks',
            'webhook-id': event.id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(
            status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}` },
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve({
          ok: false,
          reason: err.code === 'EFORBIDDENTARGET' ? 'forbidden target' : (err.code ?? 'error'),
        }),
      );
      req.end(event.body);
    });
  }
}
