import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Admission } from '../../src/mail/delivery/drivers/redis/admission';
import { DuplicateFlags } from '../../src/mail/delivery/drivers/redis/duplicate-flags';
import { RedisClock } from '../../src/redis/redis-clock';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort } from '../support/smtp-server';
import { until } from '../support/wait';

/**
 * An add whose reply missed its bound (Redis frozen, or this process's event loop late under
 * load) is withdrawn before the caller hears 503 — unless a worker already took the job, in
 * which case the caller is told it was accepted (src/mail/delivery/drivers/redis/admission.ts,
 * withdrawSoon). Real redis-server, real BullMQ workers.
 */
describe('redis admission: an add that missed its bound', () => {
  let server: DedicatedRedis;
  let redis: Redis;
  let queue: Queue;
  let flags: DuplicateFlags;
  let admission: Admission;
  const prefix = uniquePrefix('admission');
  const name = 'mail';
  const workers: Worker[] = [];
  let release: () => void = () => undefined;

  /** Adds job `jobId` and lets a worker take it and hold it until `release()`. */
  const takenByWorker = async (jobId: string) => {
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(name, () => gate, {
      connection: { url: server.url, maxRetriesPerRequest: null },
      prefix,
    });
    workers.push(worker);
    const active = new Promise((resolve) => worker.once('active', resolve));
    await queue.add('send', { jobId }, { jobId });
    await active;
  };

  beforeAll(async () => {
    server = new DedicatedRedis(await freePort());
    await server.start();
    redis = new Redis(server.url);
    queue = new Queue(name, { connection: { url: server.url }, prefix });
    flags = new DuplicateFlags();
    admission = new Admission(redis, queue, new RedisClock(redis), flags);
  });
  afterEach(async () => {
    server.freeze(false);
    release();
    await Promise.all(workers.splice(0).map((w) => w.close(true)));
  });
  afterAll(async () => {
    admission?.close();
    await queue?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it('withdraws a job still waiting: 0, nothing left to send, nothing flagged', async () => {
    await queue.add('send', { n: 1 }, { jobId: 'waiting-1' });
    expect(await admission.withdrawSoon('waiting-1', 1_000)).toBe(0);
    expect(await queue.getWaitingCount()).toBe(0);
    // A later add of the same id runs into the marker: BullMQ adds nothing.
    await queue.add('send', { n: 2 }, { jobId: 'waiting-1' });
    expect(await queue.getWaitingCount()).toBe(0);
    expect(flags.count).toBe(0);
  });

  it('says -1 for a job a worker already holds: it goes out, so the caller accepts it', async () => {
    await takenByWorker('taken-1');
    expect(await admission.withdrawSoon('taken-1', 1_000)).toBe(-1);
    expect(flags.count).toBe(0);
    expect(await queue.getJob('taken-1')).toBeDefined();
  });

  it('with Redis frozen, answers within its wait and withdraws once Redis is back', async () => {
    await queue.add('send', { n: 4 }, { jobId: 'frozen-1' });
    server.freeze(true);
    const started = Date.now();
    expect(await admission.withdrawSoon('frozen-1', 200)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    server.freeze(false);
    await until('the late withdrawal', async () => (await queue.getWaitingCount()) === 0, 5_000);
    expect(flags.count).toBe(0);
  });

  it('flags a job a worker took while Redis was frozen: refused, yet it goes out', async () => {
    await takenByWorker('frozen-2');
    const before = flags.count;
    server.freeze(true);
    expect(await admission.withdrawSoon('frozen-2', 200)).toBeUndefined();
    server.freeze(false);
    await until('the possible duplicate to be flagged', () => flags.count === before + 1, 5_000);
  });
});
