import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DeliveryConfig } from '../../../../config/delivery.config';
import type { MailConfig } from '../../../../config/mail.config';
import type { RedisConnections } from '../../../../redis/redis-connections';
import { EvictingRedisError } from '../../../../redis/eviction-policy';
import type { Deliverer } from '../../deliverer';
import type { EmailView } from '../../email-view';
import type {
  BrowseGroup,
  BrowsedEmail,
  DeliveryQueue,
  DrainReport,
  EnqueueRequest,
  QueueStateCounts,
  RetryResult,
} from '../delivery-queue';
import { DuplicateFlags } from './duplicate-flags';
import { OutcomeLedger } from './outcome-ledger';
import { OutcomeSignals, waitForView, type WaitOptions } from '../../outcome-signals';
import { RedisBounds } from './redis-bounds';
import { RedisProducer } from './redis-producer';
import { RedisWorker } from './redis-worker';
import { ReplicaAck } from './replica-ack';
import { RecentViews } from './recent-views';
import { OutcomeNotices } from './outcome-notices';
import { jobToView } from './delivery-job';

/**
 * The shared delivery queue on BullMQ: one Redis queue for all replicas, a producer
 * (request side) and a worker (delivery side) in each. See RedisProducer and RedisWorker.
 */
export class RedisDeliveryQueue implements DeliveryQueue, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedisDeliveryQueue');
  private readonly signals = new OutcomeSignals();
  private readonly recent = new RecentViews();
  private accepting = true;
  /** Shutting down: waiting callers get the view as it stands. */
  private closed = false;

  constructor(
    private readonly producer: RedisProducer,
    private readonly worker: RedisWorker,
    /** Start-up checks of the server itself (RedisConnections.checkEvictionPolicy). */
    private readonly checkServer: () => Promise<void> = () => Promise.resolve(),
    private readonly flags = new DuplicateFlags(),
    /** How waits on emails accepted by other replicas hear of them (see waitForOutcome). */
    private readonly notices?: Pick<OutcomeNotices, 'watch'>,
  ) {}

  replicasMissing(): number {
    return this.producer.replicasMissing;
  }

  /** Emails flagged as possibly sent twice since start (email_possible_duplicates_total). */
  possibleDuplicates(): number {
    return this.flags.count;
  }

  /** The driver on the shared Redis connections (see queue-driver.factory.ts). */
  static create(
    deliverer: Deliverer,
    redis: RedisConnections,
    mail: MailConfig,
    delivery: DeliveryConfig,
  ): RedisDeliveryQueue {
    const bounds = new RedisBounds(delivery.redisTimeoutMs);
    const replicas = new ReplicaAck(redis.command(), redis.waitReplicas, delivery.redisTimeoutMs);
    const flags = new DuplicateFlags();
    const notices = new OutcomeNotices(redis.prefix);
    const producer = new RedisProducer(
      redis.command(),
      redis.prefix,
      mail,
      bounds,
      redis.clock(),
      replicas,
      flags,
      notices.replica,
    );
    const ledger = new OutcomeLedger(redis.command(), producer.queue, deliverer, notices);
    return new RedisDeliveryQueue(
      producer,
      new RedisWorker(deliverer, redis, mail, delivery, bounds, ledger, flags, notices, replicas),
      () => redis.checkEvictionPolicy(),
      flags,
      notices,
    );
  }

  async onModuleInit(): Promise<void> {
    // Start-up waits a bounded time for Redis; if it is down, the app still starts and
    // reports not-ready until the connection comes up.
    const reachable = await this.producer.waitUntilReady().then(
      () => true,
      () => false,
    );
    if (!reachable) this.logger.warn('Redis is not reachable at start-up; not ready until it is');
    // An evicting Redis stops start-up (one line, see main.ts); a check that cannot finish
    // in time does not.
    if (reachable) {
      await this.checkServer().catch((err: Error) => {
        if (err instanceof EvictingRedisError) throw err;
        this.logger.warn(`Redis maxmemory-policy not checked: ${err.message}`);
      });
    }
    this.worker.start(
      (id) => {
        this.recent.changed(id);
        this.signals.wake(id);
      },
      (job) => {
        this.recent.put(jobToView(job, 'completed'));
        this.signals.wake(job.id!);
      },
    );
    if (reachable) {
      await this.worker
        .waitUntilReady()
        .catch(() => this.logger.warn('the delivery worker is not connected to Redis yet'));
      await this.worker.reconcile();
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    this.closed = true;
    this.signals.wakeAll();
    await this.worker.close();
    await Promise.allSettled([this.producer.close()]);
  }

  async enqueue(request: EnqueueRequest): Promise<EmailView> {
    const view = await this.producer.enqueue(request, this.accepting);
    this.recent.put(view);
    // A repeated Idempotency-Key in this replica may be waiting for the email to be stored.
    this.signals.wake(view.id);
    return view;
  }

  /**
   * Notices can be lost across a reconnect: the wait re-reads at least every second.
   * A view this replica already holds (RecentViews) is used once instead of a read. A wait
   * for an email another replica may have accepted — a repeated Idempotency-Key, the one
   * caller that waits `untilStored` — watches that email's own channel (OutcomeNotices);
   * the sender's wait after its own enqueue hears of it on this replica's channel.
   */
  async waitForOutcome(
    id: string,
    timeoutMs: number,
    options: Pick<WaitOptions, 'untilStored' | 'storedOnly'> = {},
  ): Promise<EmailView | undefined> {
    const read = (key: string) => {
      const held = this.recent.take(key);
      return held ? Promise.resolve(held) : this.find(key);
    };
    const watch = options.untilStored ? this.notices?.watch(id, timeoutMs) : undefined;
    try {
      // Subscribed before the first read, so a notice between the two is not missed.
      await watch?.ready;
      return await waitForView(this.signals, read, id, timeoutMs, {
        ...options,
        recheckMs: 1_000,
        closed: () => this.closed,
      });
    } finally {
      watch?.stop();
    }
  }

  find(id: string): Promise<EmailView | undefined> {
    return this.producer.find(id);
  }

  listFailed(limit: number, client?: string): Promise<EmailView[]> {
    return this.producer.listFailed(limit, client);
  }

  browse(group: BrowseGroup, after: string | undefined, limit: number): Promise<BrowsedEmail[]> {
    return this.producer.browse(group, after, limit);
  }

  retry(id: string): Promise<RetryResult> {
    return this.producer.retry(id);
  }

  size(): Promise<number> {
    return this.producer.size();
  }

  states(): Promise<QueueStateCounts> {
    return this.producer.states();
  }

  /**
   * Not ready while draining, disconnected, or stalled: a frozen Redis keeps its TCP
   * connections up, so "connected" alone kept /readyz at 200 while every enqueue timed out.
   * A stalled producer is probed (bounded, one at a time) so readiness returns by itself.
   */
  isAccepting(): boolean {
    if (!this.producer.responsive) this.producer.probe();
    return this.accepting && this.producer.ready && this.producer.responsive;
  }

  drain(timeoutMs: number): Promise<DrainReport> {
    this.accepting = false;
    return this.worker.drain(timeoutMs);
  }
}
