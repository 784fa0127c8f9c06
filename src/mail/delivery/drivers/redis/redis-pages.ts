import type { JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BrowseGroup, BrowsedEmail } from '../delivery-queue';
import { InvalidPositionError } from '../delivery-queue';
import { parsePosition, positionOf } from '../page-position';
import { jobToView, type JobData, type JobResult } from './delivery-job';
import type { RedisBounds } from './redis-bounds';

/** Unfinished states in the order a walk visits them. */
const UNFINISHED: JobType[] = ['active', 'waiting', 'prioritized', 'delayed'];

type DeliveryQueue = Queue<JobData, JobResult>;

/**
 * Backlog pages of the redis driver (DeliveryQueue.browse). Dead letters: a keyset on
 * BullMQ's `failed` sorted set (score = when it failed, then id), newest first, stable under
 * new failures. Unfinished emails: BullMQ keeps them in lists and sets a worker moves jobs
 * out of, so the position is `<state>:<offset>` — a job that changes state while an operator
 * pages may be skipped or shown twice (README, "Backlog and bulk re-drive").
 */
export async function browseRedis(
  queue: DeliveryQueue,
  connection: Redis,
  bounds: RedisBounds,
  page: { group: BrowseGroup; after: string | undefined; limit: number },
): Promise<BrowsedEmail[]> {
  return page.group === 'failed'
    ? failedPage(queue, connection, bounds, page.after, page.limit)
    : unfinishedPage(queue, bounds, page.after, page.limit);
}

async function failedPage(
  queue: DeliveryQueue,
  connection: Redis,
  bounds: RedisBounds,
  after: string | undefined,
  limit: number,
): Promise<BrowsedEmail[]> {
  const before = after === undefined ? undefined : parsePosition(after);
  const keys: Array<[number, string]> = [];
  // Same-score members come in reverse id order: skip those at or above the position's id.
  for (let offset = 0; keys.length < limit; offset += limit) {
    const raw = await bounds.run(
      connection.zrevrangebyscore(
        queue.toKey('failed'),
        before ? before[0] : '+inf',
        '-inf',
        'WITHSCORES',
        'LIMIT',
        offset,
        limit,
      ),
    );
    for (let i = 0; i + 1 < raw.length && keys.length < limit; i += 2) {
      const [id, score] = [raw[i], Number(raw[i + 1])];
      if (before && score === before[0] && id >= before[1]) continue;
      keys.push([score, id]);
    }
    if (raw.length < limit * 2) break;
  }
  const jobs = await bounds.run(Promise.all(keys.map(([, id]) => queue.getJob(id))));
  const found: BrowsedEmail[] = [];
  jobs.forEach((job, i) => {
    if (job) found.push({ view: jobToView(job, 'failed'), position: positionOf(...keys[i]) });
  });
  return found;
}

async function unfinishedPage(
  queue: DeliveryQueue,
  bounds: RedisBounds,
  after: string | undefined,
  limit: number,
): Promise<BrowsedEmail[]> {
  let [state, offset] = after === undefined ? [0, 0] : parseOffset(after);
  const found: BrowsedEmail[] = [];
  for (; state < UNFINISHED.length && found.length < limit; state++, offset = 0) {
    const want = limit - found.length;
    const type = UNFINISHED[state];
    const jobs = await bounds.run(queue.getJobs([type], offset, offset + want - 1, true));
    jobs.forEach((job, i) => {
      const position = `${state}:${offset + i + 1}`;
      if (job) found.push({ view: jobToView(job, type), position });
    });
    // A full page stops here: the next one starts in the same state.
    if (jobs.length === want) break;
  }
  return found;
}

function parseOffset(position: string): [number, number] {
  const match = /^(\d):(\d{1,9})$/.exec(position);
  if (!match || Number(match[1]) >= UNFINISHED.length) throw new InvalidPositionError(position);
  return [Number(match[1]), Number(match[2])];
}
