import type { EmailView } from '../../email-view';

/** Entries older than this are dropped: a waiter reads its email right after the event. */
const KEEP_MS = 2_000;
const MAX_ENTRIES = 10_000;

/**
 * Views this replica already holds, so that a caller waiting for its email's outcome need not
 * read it back from Redis (issue 20: two reads before the wait and two after the wake were
 * four of eleven round trips per synchronous email). Two sources, each as current as Redis:
 * the view the add returned (waiting), and the view of a job this replica's worker has just
 * moved to completed (after BullMQ's move succeeded). Each is read once (`take`); an event
 * for the id from the shared stream drops a waiting view, so a read after it goes to Redis.
 */
export class RecentViews {
  private readonly views = new Map<string, { view: EmailView; at: number }>();

  put(view: EmailView): void {
    const now = Date.now();
    this.views.delete(view.id);
    this.views.set(view.id, { view, at: now });
    for (const [id, entry] of this.views) {
      if (this.views.size <= MAX_ENTRIES && now - entry.at <= KEEP_MS) break;
      this.views.delete(id);
    }
  }

  take(id: string): EmailView | undefined {
    const entry = this.views.get(id);
    if (!entry) return undefined;
    this.views.delete(id);
    return Date.now() - entry.at <= KEEP_MS ? entry.view : undefined;
  }

  /** Another replica's event for the id: a held view other than the final one is stale. */
  changed(id: string): void {
    const entry = this.views.get(id);
    if (entry && entry.view.status !== 'sent') this.views.delete(id);
  }
}
