import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseSecurityConfig } from '../../../../config/security.config';
import {
  recordingMetrics,
  ScriptedRelay,
  sampleEmail,
  tempDir,
  testMailConfig,
} from '../../../../../test/support/spool-kit';
import type { MailConfig } from '../../../../config/mail.config';
import { Deliverer } from '../../deliverer';
import type { SettledEmail } from '../../settled-email';
import { MemoryDeliveryQueue } from '../memory/memory-delivery-queue';
import { DrainingError, QueueFullError } from '../queue-errors';
import { SpoolDeliveryQueue } from '../spool/spool-delivery-queue';
import { LocalDeliveryQueue } from './local-delivery-queue';

interface Rig {
  sut: LocalDeliveryQueue;
  relay: ScriptedRelay;
  settled: SettledEmail[];
}

type Build = (deliverer: Deliverer, config: MailConfig, dir: string) => LocalDeliveryQueue;

const request = (client = 'billing', id?: string) => ({
  email: sampleEmail(),
  client,
  startedAt: performance.now(),
  meta: { requestId: 'req-1' },
  id,
});

/** The same behaviours, whichever store holds the emails. */
describe.each<[string, Build]>([
  ['memory', (deliverer, config) => new MemoryDeliveryQueue(deliverer, config)],
  [
    'spool',
    (deliverer, config, dir) =>
      new SpoolDeliveryQueue(deliverer, config, {
        path: join(dir, 'spool.db'),
        synchronous: 'normal',
        idempotencyTtlMs: 60_000,
        closeGraceMs: 200,
      }),
  ],
])(`${LocalDeliveryQueue.name} over the %s store`, (_name, build) => {
  let dir: { dir: string; remove: () => void };
  const rigs: Rig[] = [];

  function start(relay = new ScriptedRelay(), overrides: Partial<MailConfig> = {}): Rig {
    const config = testMailConfig(overrides);
    const { metrics, settled } = recordingMetrics();
    const deliverer = new Deliverer(relay, metrics, config, parseSecurityConfig({}));
    const sut = build(deliverer, config, dir.dir);
    sut.onModuleInit();
    const rig = { sut, relay, settled };
    rigs.push(rig);
    return rig;
  }

  beforeEach(() => (dir = tempDir('local-queue-')));
  afterEach(async () => {
    for (const rig of rigs.splice(0)) {
      rig.relay.releaseStalled();
      await rig.sut.onModuleDestroy();
    }
    dir.remove();
  });

  it('delivers in acceptance order and counts each email once', async () => {
    const { sut, relay, settled } = start(undefined, { concurrency: 1 });

    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await sut.enqueue(request())).id);
    const outcomes = await Promise.all(ids.map((id) => sut.waitForOutcome(id, 5_000)));

    expect(outcomes.map((v) => v?.status)).toEqual(ids.map(() => 'sent'));
    expect(relay.accepted).toEqual(ids);
    expect(settled.map((s) => s.id)).toEqual(ids);
    expect(await sut.size()).toBe(0);
  });

  it('retries a deferred email, fails a rejected one, and lists dead letters per client', async () => {
    const relay = new ScriptedRelay((id, attempt) =>
      id.startsWith('bad') ? 'reject' : attempt === 1 ? 'defer' : 'accept',
    );
    const { sut } = start(relay);

    const good = await sut.enqueue(request());
    await sut.enqueue(request('billing', 'bad-1'));
    await sut.enqueue(request('reports', 'bad-2'));

    expect(await sut.waitForOutcome(good.id, 5_000)).toMatchObject({ status: 'sent', attempts: 2 });
    await sut.waitForOutcome('bad-1', 5_000);
    await sut.waitForOutcome('bad-2', 5_000);
    expect((await sut.listFailed(10, 'billing')).map((v) => v.id)).toEqual(['bad-1']);
    expect((await sut.listFailed(10)).map((v) => v.id).sort()).toEqual(['bad-1', 'bad-2']);
    expect(await sut.find('bad-2')).toMatchObject({
      status: 'failed',
      lastError: { code: 'rejected', smtpCode: 550 },
    });
  });

  it('re-drives a dead letter once, with a fresh attempt count', async () => {
    let up = false;
    const { sut, settled } = start(new ScriptedRelay(() => (up ? 'accept' : 'reject')));
    const { id } = await sut.enqueue(request());
    await sut.waitForOutcome(id, 5_000);
    up = true;

    const results = await Promise.all([sut.retry(id), sut.retry(id)]);
    const outcome = await sut.waitForOutcome(id, 5_000);

    expect(results.map((r) => r.kind).sort()).toEqual(['not-failed', 'requeued']);
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1 });
    expect(settled.map((s) => s.status)).toEqual(['failed', 'sent']);
    expect(await sut.retry('unknown')).toEqual({ kind: 'not-found' });
  });

  it('wakes a caller waiting for an email that is stored after the wait began', async () => {
    const { sut } = start(new ScriptedRelay(() => 'stall'));

    const waiting = sut.waitForOutcome('later', 5_000, { untilStored: true, storedOnly: true });
    const began = Date.now();
    await sut.enqueue(request('billing', 'later'));

    expect(await waiting).toMatchObject({ id: 'later' });
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(await sut.waitForOutcome('unknown', 5_000)).toBeUndefined();
  });

  it('answers 503 when full and while draining, and reports what is left', async () => {
    const { sut } = start(new ScriptedRelay(() => 'stall'), { queueCapacity: 2, concurrency: 1 });
    await sut.enqueue(request());
    await sut.enqueue(request());

    await expect(sut.enqueue(request())).rejects.toBeInstanceOf(QueueFullError);
    const report = await sut.drain(50);

    await expect(sut.enqueue(request())).rejects.toBeInstanceOf(DrainingError);
    expect(report).toMatchObject({ remaining: 2, timedOut: true });
    expect(sut.isAccepting()).toBe(false);
  });

  it('drains: resolves as soon as every accepted email is delivered', async () => {
    const { sut, relay } = start();
    await Promise.all(Array.from({ length: 20 }, () => sut.enqueue(request())));

    const report = await sut.drain(10_000);

    expect(report).toMatchObject({ remaining: 0, timedOut: false });
    expect(relay.accepted).toHaveLength(20);
  });

  it('holds mail without spending attempts while the relay is down, then releases it in order', async () => {
    const relay = new ScriptedRelay();
    relay.setUp(false);
    const { sut } = start(relay, { concurrency: 2 });

    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await sut.enqueue(request())).id);
    const held = await sut.find(ids[0]);
    relay.setUp(true);
    const outcomes = await Promise.all(ids.map((id) => sut.waitForOutcome(id, 5_000)));

    expect(held).toMatchObject({
      status: 'deferred',
      attempts: 0,
      lastError: { code: 'connection' },
    });
    expect(outcomes.map((v) => v?.attempts)).toEqual(ids.map(() => 1));
    expect(relay.accepted).toEqual(ids);
  });

  it('expires an email whose temporary failures outlast DELIVERY_LIFETIME, never earlier', async () => {
    const relay = new ScriptedRelay(() => 'defer');
    const { sut } = start(relay, { deliveryLifetimeMs: 300, maxAttempts: 10_000 });

    const began = Date.now();
    const { id } = await sut.enqueue(request());
    const outcome = await sut.waitForOutcome(id, 5_000);

    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(outcome).toMatchObject({
      status: 'failed',
      lastError: { code: 'expired', smtpCode: 451 },
    });
  });

  it('drains without spending attempts on deferred mail (durable stores keep it; memory retries)', async () => {
    const relay = new ScriptedRelay(() => 'defer');
    const { sut } = start(relay, { retryBaseMs: 100, retryMaxMs: 100, maxAttempts: 100 });
    const { id } = await sut.enqueue(request());
    await sut.waitForOutcome(id, 0);
    while ((await sut.find(id))?.status !== 'deferred') await new Promise((r) => setTimeout(r, 5));

    const began = Date.now();
    const report = await sut.drain(1_500);

    expect(report).toMatchObject({ remaining: 1 });
    if (_name === 'spool') {
      expect(Date.now() - began).toBeLessThan(1_000);
      expect(relay.attemptCount).toBe(1);
      expect(await sut.find(id)).toMatchObject({ status: 'deferred', attempts: 1 });
    } else {
      expect(relay.attemptCount).toBeGreaterThan(1);
    }
  });
});
