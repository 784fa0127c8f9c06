import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/** Longest a wait holds its first read for its email's subscription. */
const WATCH_READY_MS = 250;

/**
 * Who hears that an email reached its outcome, for the callers waiting on it (a synchronous
 * send, a repeated Idempotency-Key). Replaces BullMQ's QueueEvents reader, which had every
 * replica read and parse every event of every job (four per email) with a blocking XREAD per
 * turn — measured ×0.83 of the driver's CPU per request and ×1.14 its req/s without it
 * (issue 20, docs/benchmarks.md "Redis driver round trips"). Now:
 * - each email carries the replica that accepted it (its origin, JobData.origin);
 * - the replica that settles it wakes its own waiters directly, and the outcome's claim
 *   (OutcomeLedger, one batched script already) publishes the id on the origin's channel when
 *   that is another replica — a single replica reads nothing;
 * - a caller waiting on an email it did not accept (a repeated key on another replica)
 *   subscribes to that email's channel for the wait, which every claim publishes to;
 * - an email from before this version (no origin) is announced on a channel all replicas hear.
 * Pub/sub is at most once: a notice lost in a reconnect or failover leaves the waiter to its
 * one-second re-read (RedisDeliveryQueue.waitForOutcome), as a missed event did before.
 */
export class OutcomeNotices {
  /** This process as an origin: the channel its waiters listen on. */
  readonly replica = randomUUID();
  private subscriber?: Redis;
  private subscribed: Promise<unknown> = Promise.resolve();
  /** Per-email channels subscribed for waits, with how many waits use each. */
  private readonly watched = new Map<string, number>();

  constructor(private readonly prefix: string) {}

  /** Subscribes this replica's channels; `onNotice` gets the id of every email announced. */
  start(subscriber: Redis, onNotice: (id: string) => void): void {
    this.subscriber = subscriber;
    const emailChannel = this.channel('email', '');
    subscriber.on('message', (channel: string, id: string) => {
      if (channel.startsWith(emailChannel)) onNotice(channel.slice(emailChannel.length));
      else onNotice(id);
    });
    // Queued while disconnected, and made again by ioredis after every reconnect.
    this.subscribed = subscriber
      .subscribe(this.channel('replica', this.replica), this.channel('replica', 'any'))
      .catch(() => undefined);
  }

  /** Resolves once the replica's subscriptions are in place (the caller bounds the wait). */
  async waitUntilReady(): Promise<void> {
    await this.subscribed;
  }

  /**
   * Where an email's outcome is announced, for the ledger's claim to publish (no command of
   * its own): its own channel, for anyone watching it; its origin's, unless that is this
   * replica, whose waiters the worker wakes directly ('' then); and the id.
   */
  channelsFor(id: string, origin: string | undefined): [string, string, string] {
    const originChannel = origin === this.replica ? '' : this.channel('replica', origin ?? 'any');
    return [this.channel('email', id), originChannel, id];
  }

  /**
   * For the length of a wait on an email accepted elsewhere: its notices reach this replica.
   * `ready` once subscribed, or after `waitMs` (at most WATCH_READY_MS) when the subscription
   * waits out an outage — the wait's re-read covers what it misses; `stop` when done.
   */
  watch(id: string, waitMs: number): { ready: Promise<unknown>; stop: () => void } {
    const channel = this.channel('email', id);
    const count = this.watched.get(channel) ?? 0;
    this.watched.set(channel, count + 1);
    const subscribed =
      count === 0 && this.subscriber
        ? this.subscriber.subscribe(channel).catch(() => undefined)
        : Promise.resolve();
    const bound = sleep(Math.min(waitMs, WATCH_READY_MS), undefined, { ref: false });
    const ready = Promise.race([subscribed, bound]);
    const stop = () => {
      const left = (this.watched.get(channel) ?? 1) - 1;
      if (left > 0) {
        this.watched.set(channel, left);
        return;
      }
      this.watched.delete(channel);
      void this.subscriber?.unsubscribe(channel).catch(() => undefined);
    };
    return { ready, stop };
  }

  private channel(kind: 'replica' | 'email', name: string): string {
    return `${this.prefix}:mw-notices:${kind}:${name}`;
  }
}
