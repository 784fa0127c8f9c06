import { Redis } from 'ioredis';
import { OutcomeNotices } from '../../src/mail/delivery/drivers/redis/outcome-notices';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from '../support/redis';
import { until } from '../support/wait';

/**
 * The channels of OutcomeNotices on a real Redis: two replicas, each with its own subscriber
 * connection, and a publisher doing what the outcome ledger's claim does with `channelsFor`.
 */
describe('OutcomeNotices (redis driver)', () => {
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
    connections.push(redis);
    return redis;
  };
  let prefix: string;
  let publisher: Redis;

  /** A replica: its notices and the ids it has heard of, in order. */
  const replica = () => {
    const notices = new OutcomeNotices(prefix);
    const heard: string[] = [];
    notices.start(connect(), (id) => heard.push(id));
    return { notices, heard };
  };

  /** What the claim publishes for an email settled by `settler` (outcome-ledger.ts's script). */
  const settle = async (settler: OutcomeNotices, id: string, origin: string | undefined) => {
    const [own, originChannel, payload] = settler.channelsFor(id, origin);
    await publisher.publish(own, '');
    if (originChannel !== '') await publisher.publish(originChannel, payload);
  };

  const subscribers = async (channel: string) =>
    Number(((await publisher.pubsub('NUMSUB', channel)) as [string, number])[1]);

  beforeAll(() => requireRedis());

  beforeEach(() => {
    prefix = uniquePrefix('notices');
    publisher = connect();
  });

  afterEach(() => {
    connections.splice(0).forEach((c) => c.disconnect());
  });

  it('tells the accepting replica of an outcome settled elsewhere, and publishes nothing for its own', async () => {
    const a = replica();
    const b = replica();
    await Promise.all([a.notices.waitUntilReady(), b.notices.waitUntilReady()]);

    // Settled by the replica that accepted it: its waiters are woken directly, no channel.
    expect(a.notices.channelsFor('e1', a.notices.replica)[1]).toBe('');
    // Accepted by B, settled by A: B hears of it, A does not.
    await settle(a.notices, 'e2', b.notices.replica);
    await until('B to hear of e2', () => Promise.resolve(b.heard.includes('e2')), 5_000);
    // A job from before origins were stamped: every replica hears of it. The order on one
    // connection shows that nothing for e2 reached A before it.
    await settle(b.notices, 'e3', undefined);
    await until('both to hear of e3', () => Promise.resolve(a.heard.includes('e3')), 5_000);
    await until('B to hear of e3', () => Promise.resolve(b.heard.includes('e3')), 5_000);
    expect(a.heard).toEqual(['e3']);
    expect(b.heard).toEqual(['e2', 'e3']);
  });

  it("wakes a replica watching an email it did not accept, on the email's own channel, for the watch's length", async () => {
    const a = replica();
    const watcher = replica();
    await Promise.all([a.notices.waitUntilReady(), watcher.notices.waitUntilReady()]);
    const [channel] = a.notices.channelsFor('e9', a.notices.replica);

    // Two waits on one email share one subscription; it ends with the last of them.
    const first = watcher.notices.watch('e9', 5_000);
    const second = watcher.notices.watch('e9', 5_000);
    await Promise.all([first.ready, second.ready]);
    // `ready` is bounded (250 ms at most): the subscription itself is what is checked.
    await until('the subscription', async () => (await subscribers(channel)) >= 1, 5_000);
    expect(await subscribers(channel)).toBe(1);

    await settle(a.notices, 'e9', a.notices.replica);
    await until(
      'the watcher to hear of e9',
      () => Promise.resolve(watcher.heard.includes('e9')),
      5_000,
    );
    expect(watcher.heard).toEqual(['e9']);

    first.stop();
    second.stop();
    await until('the subscription to end', async () => (await subscribers(channel)) === 0, 5_000);
  });
});
