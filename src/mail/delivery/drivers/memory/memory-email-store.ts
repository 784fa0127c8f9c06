import type { MailConfig } from '../../../../config/mail.config';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { EmailView } from '../../email-view';
import type { BrowsedEmail } from '../delivery-queue';
import { keyBefore, parsePosition, positionOf } from '../page-position';
import {
  entryView,
  type EmailStore,
  type LocalEntry,
  type RecoveryReport,
  type Settlement,
} from '../local/email-store';

/** A settled email kept for its retention window. */
interface Settled {
  view: EmailView;
  /** Kept while failed, for re-drive. */
  email?: OutgoingEmail;
  settledAt: number;
  entry: LocalEntry;
}

/**
 * The memory driver's EmailStore: payloads of unfinished emails and the outcomes of settled
 * ones, in this process only — a crash loses them (use the spool or redis driver when that
 * matters). Settled emails leave in settle order once past retention or beyond its count.
 */
export class MemoryEmailStore implements EmailStore {
  readonly durable = false;
  readonly isOpen = true;
  readonly name = 'memory';
  private readonly payloads = new Map<string, OutgoingEmail>();
  /** In settle order, for retention and newest-first listing. */
  private readonly settled = new Map<string, Settled>();

  constructor(private readonly config: Pick<MailConfig, 'retentionMs' | 'retentionMax'>) {}

  recover(): { entries: LocalEntry[]; report: RecoveryReport } {
    return { entries: [], report: { recovered: 0, possibleDuplicates: 0 } };
  }

  insert(entry: LocalEntry, email: OutgoingEmail): Promise<void> {
    this.payloads.set(entry.id, email);
    return Promise.resolve();
  }

  markSending(): Promise<void> {
    return Promise.resolve();
  }

  markDeferred(): Promise<void> {
    return Promise.resolve();
  }

  markSettled(entry: LocalEntry, outcome: Settlement): Promise<void> {
    const email = this.payloads.get(entry.id);
    this.payloads.delete(entry.id);
    const view: EmailView = {
      ...entryView(entry),
      status: outcome.status,
      attempts: outcome.attempts,
      messageId: outcome.messageId,
      lastError: outcome.error,
      nextAttemptAt: undefined,
    };
    this.settled.delete(entry.id);
    this.settled.set(entry.id, {
      view,
      email: outcome.status === 'failed' ? email : undefined,
      settledAt: outcome.now,
      entry,
    });
    this.purge(Date.now());
    return Promise.resolve();
  }

  payload(id: string): OutgoingEmail | undefined {
    return this.payloads.get(id);
  }

  get(id: string): EmailView | undefined {
    const held = this.settled.get(id);
    if (!held) return undefined;
    if (this.expired(held, Date.now())) {
      this.purge(Date.now());
      return undefined;
    }
    return held.view;
  }

  listFailed(limit: number, client?: string): EmailView[] {
    const now = Date.now();
    const failed: EmailView[] = [];
    const settled = [...this.settled.values()];
    for (let i = settled.length - 1; i >= 0 && failed.length < limit; i--) {
      const { view } = settled[i];
      if (view.status !== 'failed' || this.expired(settled[i], now)) continue;
      if (client === undefined || view.client === client) failed.push(view);
    }
    return failed;
  }

  failedPage(after: string | undefined, limit: number): BrowsedEmail[] {
    const now = Date.now();
    const before = after === undefined ? undefined : parsePosition(after);
    const page: Array<[number, string, EmailView]> = [];
    for (const held of this.settled.values()) {
      const key: [number, string] = [held.settledAt, held.view.id];
      if (held.view.status !== 'failed' || this.expired(held, now)) continue;
      if (before === undefined || keyBefore(key, before)) page.push([...key, held.view]);
    }
    page.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
    return page.slice(0, limit).map(([at, id, view]) => ({ view, position: positionOf(at, id) }));
  }

  requeue(id: string, now: number): Promise<LocalEntry | undefined> {
    const held = this.settled.get(id);
    if (!held || held.view.status !== 'failed' || !held.email || this.expired(held, now)) {
      return Promise.resolve(undefined);
    }
    this.settled.delete(id);
    this.payloads.set(id, held.email);
    const entry: LocalEntry = {
      ...held.entry,
      status: 'queued',
      attempts: 0,
      lastError: undefined,
      nextAttemptAt: undefined,
      retryTimer: undefined,
      acceptedAt: now,
      updatedAt: now,
    };
    return Promise.resolve(entry);
  }

  purge(now: number): void {
    for (const [id, held] of this.settled) {
      if (this.settled.size <= this.config.retentionMax && !this.expired(held, now)) break;
      this.settled.delete(id);
    }
  }

  close(): void {
    // Nothing to release: what is unfinished is lost with the process (drain lists it).
  }

  private expired(held: Settled, now: number): boolean {
    return now - held.settledAt > this.config.retentionMs;
  }
}
