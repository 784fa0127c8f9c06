import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../../core/error-body';
import type { CallerContext } from '../../core/client-identity';
import {
  InvalidPositionError,
  type BrowseGroup,
  type DeliveryQueue,
} from '../delivery/drivers/delivery-queue';
import type { EmailView } from '../delivery/email-view';
import type { BacklogFilterDto, ListedStatus } from '../dto/list-emails.query';
import { DELIVERY_QUEUE } from '../mail.constants';
import { hasTag } from '../tags/email-tags';
import { badCursor, decodeCursor, encodeCursor } from './backlog-cursor';

/** Emails read from the driver per call while filtering. */
const CHUNK = 200;
/** Emails looked at by one request at most; past it the answer carries `next` to go on. */
const SCAN_MAX = 20_000;

export interface BacklogFilter extends Omit<BacklogFilterDto, 'cursor'> {
  status: ListedStatus;
}

export interface BacklogPage {
  emails: EmailView[];
  /** Where the next page starts; absent when the walk is over. */
  next?: string;
}

export interface RedriveReport {
  requeued: number;
  /** Matched but not re-driven: re-driven by someone else meanwhile, or without a payload. */
  skipped: number;
  ids: string[];
  next?: string;
}

/**
 * The operator's view of the backlog (README, "Backlog and bulk re-drive"): every client's
 * emails by status, relay, reason, age and tag, paged by an opaque cursor; and re-drive of
 * dead letters by the same filters, bounded per call. Client keys see their own only.
 */
@Injectable()
export class BacklogService {
  private readonly logger = new Logger('Backlog');

  constructor(@Inject(DELIVERY_QUEUE) private readonly queue: DeliveryQueue) {}

  /** `filter.client` as the caller may use it: a client key is pinned to its own. */
  scoped(filter: BacklogFilter, caller: CallerContext): BacklogFilter {
    if (caller.operator) return filter;
    if (filter.client !== undefined && filter.client !== caller.client) {
      throw new ApiError(403, 'operator_only', 'only an operator key may name another client');
    }
    return { ...filter, client: caller.client };
  }

  list(filter: BacklogFilter, limit: number, cursor?: string): Promise<BacklogPage> {
    return this.walk(filter, limit, cursor);
  }

  /** Counts the dead letters a re-drive with these filters would take (up to SCAN_MAX looked at). */
  async count(filter: BacklogFilter, cursor?: string): Promise<{ matched: number; next?: string }> {
    const page = await this.walk(filter, SCAN_MAX, cursor);
    return { matched: page.emails.length, next: page.next };
  }

  async redrive(
    filter: BacklogFilter,
    limit: number,
    caller: CallerContext,
    cursor?: string,
  ): Promise<RedriveReport> {
    const page = await this.walk(filter, limit, cursor);
    const ids: string[] = [];
    for (const view of page.emails) {
      const result = await this.queue.retry(view.id);
      if (result.kind === 'requeued') ids.push(view.id);
    }
    const report = {
      requeued: ids.length,
      skipped: page.emails.length - ids.length,
      ids,
      next: page.next,
    };
    this.logger.log({
      msg: 'bulk re-drive',
      operator: caller.client,
      requeued: report.requeued,
      skipped: report.skipped,
      filter: { ...filter, status: undefined },
      more: page.next !== undefined,
    });
    return report;
  }

  private async walk(filter: BacklogFilter, limit: number, cursor?: string): Promise<BacklogPage> {
    const group: BrowseGroup = filter.status === 'failed' ? 'failed' : 'unfinished';
    if (!this.queue.browse) return this.withoutBrowse(filter, limit, cursor);
    let after = decodeCursor(cursor, group);
    const matches = this.matcher(filter);
    const emails: EmailView[] = [];
    let scanned = 0;
    for (;;) {
      const batch = await this.browse(group, after, CHUNK);
      for (const item of batch) {
        after = item.position;
        scanned++;
        if (matches(item.view)) emails.push(item.view);
        if (emails.length >= limit) break;
      }
      const consumedAll = batch.length === 0 || after === batch[batch.length - 1].position;
      if (batch.length < CHUNK && consumedAll) return { emails };
      if (emails.length >= limit || scanned >= SCAN_MAX) {
        return { emails, next: after === undefined ? undefined : encodeCursor(group, after) };
      }
    }
  }

  private async browse(group: BrowseGroup, after: string | undefined, limit: number) {
    try {
      return await this.queue.browse!(group, after, limit);
    } catch (err) {
      if (err instanceof InvalidPositionError) throw badCursor();
      throw err;
    }
  }

  /** A driver that cannot page (test doubles): the newest dead letters, one page. */
  private async withoutBrowse(filter: BacklogFilter, limit: number, cursor?: string) {
    if (cursor !== undefined) throw badCursor();
    if (filter.status !== 'failed') return { emails: [] };
    const failed = await this.queue.listFailed(limit, filter.client);
    return { emails: failed.filter(this.matcher(filter)) };
  }

  private matcher(filter: BacklogFilter): (view: EmailView) => boolean {
    const acceptedBefore =
      filter.olderThan === undefined ? Infinity : Date.now() - filter.olderThan * 1000;
    return (view) =>
      view.status === filter.status &&
      (filter.client === undefined || view.client === filter.client) &&
      (filter.relay === undefined || view.lastError?.relay === filter.relay) &&
      (filter.reason === undefined || view.lastError?.code === filter.reason) &&
      (filter.tag === undefined || hasTag(view, filter.tag)) &&
      Date.parse(view.createdAt) <= acceptedBefore;
  }
}
