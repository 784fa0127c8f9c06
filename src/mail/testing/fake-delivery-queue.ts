import type {
  DeliveryQueue,
  DrainReport,
  EnqueueRequest,
  RetryResult,
} from '../delivery/drivers/delivery-queue';
import type { EmailStatus, EmailView } from '../delivery/email-view';
import { OutcomeSignals, waitForView, type WaitOptions } from '../delivery/outcome-signals';

/**
 * A DeliveryQueue for unit specs: stores what it is given, settles on command, never
 * delivers by itself. `failNextEnqueue` makes the next enqueue reject.
 */
export class FakeDeliveryQueue implements DeliveryQueue {
  readonly enqueued: EnqueueRequest[] = [];
  readonly views = new Map<string, EmailView>();
  failNextEnqueue?: Error;
  private counter = 0;
  private readonly signals = new OutcomeSignals();

  enqueue(request: EnqueueRequest): Promise<EmailView> {
    if (this.failNextEnqueue) {
      const err = this.failNextEnqueue;
      this.failNextEnqueue = undefined;
      return Promise.reject(err);
    }
    this.enqueued.push(request);
    const id = request.id ?? `generated-${++this.counter}`;
    const view = viewOf(id, request.client, 'queued');
    this.views.set(id, view);
    this.signals.wake(id);
    return Promise.resolve({ ...view });
  }

  /** Settles an email as the driver would after delivery. */
  settle(id: string, status: 'sent' | 'failed'): void {
    const view = this.views.get(id);
    if (!view) throw new Error(`no email ${id}`);
    this.views.set(id, { ...view, status, attempts: 1 });
    this.signals.wake(id);
  }

  waitForOutcome(
    id: string,
    timeoutMs: number,
    options: Pick<WaitOptions, 'untilStored' | 'storedOnly'> = {},
  ): Promise<EmailView | undefined> {
    return waitForView(this.signals, (key) => this.find(key), id, timeoutMs, options);
  }

  find(id: string): Promise<EmailView | undefined> {
    const view = this.views.get(id);
    return Promise.resolve(view && { ...view });
  }

  size(): Promise<number> {
    return Promise.resolve(
      [...this.views.values()].filter(
        (v) => v.status === 'queued' || v.status === 'deferred' || v.status === 'sending',
      ).length,
    );
  }

  isAccepting(): boolean {
    return true;
  }

  listFailed(limit: number, client?: string): Promise<EmailView[]> {
    return Promise.resolve(
      [...this.views.values()]
        .filter((v) => v.status === 'failed' && (client === undefined || v.client === client))
        .slice(0, limit),
    );
  }

  retry(id: string): Promise<RetryResult> {
    const view = this.views.get(id);
    if (!view) return Promise.resolve({ kind: 'not-found' });
    if (view.status !== 'failed') return Promise.resolve({ kind: 'not-failed', view });
    const requeued = { ...view, status: 'queued' as const, attempts: 0 };
    this.views.set(id, requeued);
    return Promise.resolve({ kind: 'requeued', view: requeued });
  }

  drain(): Promise<DrainReport> {
    return Promise.resolve({ remaining: 0, timedOut: false });
  }
}

function viewOf(id: string, client: string, status: EmailStatus): EmailView {
  const now = new Date(0).toISOString();
  return { id, status, client, attempts: 0, createdAt: now, updatedAt: now };
}
