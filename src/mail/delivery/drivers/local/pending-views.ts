import type { EmailView } from '../../email-view';
import type { Backlog, BrowseGroup, BrowsedEmail } from '../delivery-queue';
import { keyBefore, parsePosition, positionOf } from '../page-position';
import { type EmailStore, type LocalEntry } from './email-store';

/** Unfinished emails by state, in one pass (email_queue_emails at scrape time). */
export function pendingBacklog(pending: Iterable<LocalEntry>, relayDown: boolean): Backlog {
  const backlog: Backlog = { queued: { count: 0 }, deferred: { count: 0 }, sending: { count: 0 } };
  for (const entry of pending) {
    const state =
      entry.status === 'sending'
        ? 'sending'
        : entry.lastError !== undefined || relayDown
          ? 'deferred'
          : 'queued';
    const slot = backlog[state];
    slot.count++;
    slot.oldestAcceptedAt = Math.min(slot.oldestAcceptedAt ?? Infinity, entry.acceptedAt);
  }
  return backlog;
}

/**
 * A page of the backlog (DeliveryQueue.browse): unfinished emails oldest first by
 * (createdAt, id), so emails accepted later always sort after an issued position; dead
 * letters from the store. Sorting the pending map per page is bounded by QUEUE_CAPACITY.
 */
export function browseLocal(
  group: BrowseGroup,
  after: string | undefined,
  limit: number,
  pending: Map<string, LocalEntry>,
  store: EmailStore,
  view: (id: string) => EmailView | undefined,
): BrowsedEmail[] {
  if (group === 'failed') return store.failedPage(after, limit);
  const from = after === undefined ? undefined : parsePosition(after);
  const page: Array<[number, string]> = [];
  for (const entry of pending.values()) {
    const key: [number, string] = [entry.createdAt, entry.id];
    if (from === undefined || keyBefore(from, key)) page.push(key);
  }
  page.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const found: BrowsedEmail[] = [];
  for (const [at, id] of page.slice(0, limit)) {
    const shown = view(id);
    if (shown) found.push({ view: shown, position: positionOf(at, id) });
  }
  return found;
}
