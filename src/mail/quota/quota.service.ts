import { ServiceUnavailableError } from '../../core/service-unavailable.error';
import { Inject, Injectable } from '@nestjs/common';
import { feedbackConfig, type FeedbackConfig } from '../../config/feedback.config';
import { QuotaExceededError } from './quota-exceeded.error';
import { QUOTA_STORE } from './quota.constants';
import type { QuotaStore, QuotaWindow } from './quota-store';
import { windowIndex } from './quota-store';

/** A client's quota after a request: what RateLimit-* headers and the gauge show. */
export interface QuotaState {
  /** The window closest to its limit. */
  limit: number;
  remaining: number;
  /** Seconds until that window resets. */
  resetSeconds: number;
  /** `1000;w=3600, 20000;w=86400` (RateLimit-Policy). */
  policy: string;
}

/**
 * Per-client email quotas (CLIENT_QUOTAS, README "Quotas"): counted in emails accepted for
 * delivery (a batch of 100 counts 100; recipients do not multiply it), per UTC hour and day.
 * Clients without an entry are not limited and pay nothing.
 */
@Injectable()
export class QuotaService {
  private readonly windows = new Map<string, QuotaWindow[]>();

  constructor(
    @Inject(QUOTA_STORE) private readonly store: QuotaStore,
    @Inject(feedbackConfig.KEY) config: FeedbackConfig,
  ) {
    for (const [client, quota] of Object.entries(config.clientQuotas)) {
      const windows: QuotaWindow[] = [];
      if (quota.perHour) windows.push({ name: 'hour', limit: quota.perHour, seconds: 3600 });
      if (quota.perDay) windows.push({ name: 'day', limit: quota.perDay, seconds: 86_400 });
      this.windows.set(client, windows);
    }
  }

  /** The clients with a quota (the gauge's label values: bounded by configuration). */
  clients(): string[] {
    return [...this.windows.keys()];
  }

  /** Whether the client has a quota at all (callers skip the store's round trip if not). */
  limits(client: string): boolean {
    return this.windows.has(client);
  }

  /** Counts `n` emails, or throws QuotaExceededError (429) counting nothing. */
  async take(client: string, n = 1): Promise<QuotaState | undefined> {
    const windows = this.windows.get(client);
    if (!windows) return undefined;
    const now = Date.now();
    const { granted, used } = await this.store.take(client, windows, n, now);
    const state = this.state(windows, used, now);
    if (!granted) {
      const full = windows.filter((w, i) => used[i] + n > w.limit);
      const retryAfter = Math.max(...full.map((w) => this.resetSeconds(w, now)));
      throw new QuotaExceededError(
        client,
        full.map((w) => w.name).join(' and '),
        retryAfter,
        state,
      );
    }
    return state;
  }

  /**
   * Runs `enqueue` within the budget: 429 quota_exceeded counts nothing, and an email the
   * queue refused (503) is given back. An Idempotency-Key replay never gets here.
   */
  async counted<T>(client: string, enqueue: () => Promise<T>, onQuota?: (s: QuotaState) => void) {
    let quota: QuotaState | undefined;
    try {
      quota = await this.take(client);
    } catch (err) {
      if (err instanceof QuotaExceededError) throw err;
      // The counters' store did not answer: nothing was counted or queued (503, not 500).
      throw new ServiceUnavailableError('quota counters are unreachable; nothing was queued', 2);
    }
    try {
      const accepted = await enqueue();
      if (quota) onQuota?.(quota);
      return accepted;
    } catch (err) {
      await this.refund(client).catch(() => undefined);
      throw err;
    }
  }

  async refund(client: string, n = 1): Promise<void> {
    const windows = this.windows.get(client);
    if (windows) await this.store.refund(client, windows, n, Date.now());
  }

  /** Emails left in the tightest window (email_quota_remaining). */
  async remaining(client: string): Promise<number | undefined> {
    const windows = this.windows.get(client);
    if (!windows) return undefined;
    const now = Date.now();
    return this.state(windows, await this.store.used(client, windows, now), now).remaining;
  }

  private state(windows: QuotaWindow[], used: number[], now: number): QuotaState {
    let tightest = 0;
    windows.forEach((w, i) => {
      if (w.limit - used[i] < windows[tightest].limit - used[tightest]) tightest = i;
    });
    const w = windows[tightest];
    return {
      limit: w.limit,
      remaining: Math.max(0, w.limit - used[tightest]),
      resetSeconds: this.resetSeconds(w, now),
      policy: windows.map((x) => `${x.limit};w=${x.seconds}`).join(', '),
    };
  }

  private resetSeconds(w: QuotaWindow, now: number): number {
    return Math.max(1, Math.ceil(((windowIndex(w, now) + 1) * w.seconds * 1000 - now) / 1000));
  }
}
