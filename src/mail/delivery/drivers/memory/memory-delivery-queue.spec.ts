import { parseMailConfig } from '../../../../config/mail.config';
import { FakeDeliverer, PERMANENT, TRANSIENT } from '../../../testing/fake-deliverer';
import type { OutgoingEmail } from '../../../transport/mail-transport';
import type { AttemptOutcome } from '../../deliverer';
import { DrainingError, QueueFullError } from '../queue-errors';
import { MemoryDeliveryQueue } from './memory-delivery-queue';

const EMAIL: OutgoingEmail = { from: 'a@example.com', to: ['b@example.com'], subject: 's' };

function build(env: Record<string, string> = {}) {
  const deliverer = new FakeDeliverer();
  const sut = new MemoryDeliveryQueue(deliverer.asDeliverer(), parseMailConfig(env));
  const enqueue = (meta: Record<string, string> = {}) =>
    sut.enqueue({ email: EMAIL, client: 'billing', startedAt: performance.now(), meta });
  return { sut, deliverer, enqueue };
}

/** An attempt that stays in flight until `release` is called. */
function pending(): { outcome: Promise<AttemptOutcome>; release(): void } {
  let release = () => undefined as void;
  const outcome = new Promise<AttemptOutcome>((resolve) => {
    release = () => resolve({ kind: 'sent', receipt: { messageId: '<held@test>' } });
  });
  return { outcome, release };
}

describe(MemoryDeliveryQueue.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers an email and reports its outcome once, with the metadata it was queued with', async () => {
    const { sut, deliverer, enqueue } = build();

    const queued = await enqueue({ requestId: 'req-1', template: 'welcome' });
    const view = await sut.waitForOutcome(queued.id, 1_000);

    expect(view).toMatchObject({ status: 'sent', attempts: 1, messageId: `<${queued.id}@test>` });
    expect(deliverer.settledEmails).toEqual([
      expect.objectContaining({
        id: queued.id,
        client: 'billing',
        status: 'sent',
        attempts: 1,
        meta: { requestId: 'req-1', template: 'welcome' },
      }),
    ]);
  });

  it('retries a transient failure after the delay the Deliverer chose, not before', async () => {
    const { sut, deliverer, enqueue } = build();
    deliverer.next({ kind: 'retry', error: TRANSIENT, delayMs: 1_000 });

    const queued = await enqueue();
    await jest.advanceTimersByTimeAsync(999);
    expect(await sut.find(queued.id)).toMatchObject({ status: 'deferred', attempts: 1 });
    expect(deliverer.attempts).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1);
    expect(deliverer.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(await sut.find(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(deliverer.deferredIds).toEqual([queued.id]);
    expect(deliverer.settledEmails).toHaveLength(1);
  });

  it('keeps a failed email as a dead letter that can be re-driven', async () => {
    const { sut, deliverer, enqueue } = build();
    deliverer.next({ kind: 'failed', error: PERMANENT });

    const queued = await enqueue();
    await jest.advanceTimersByTimeAsync(0);

    expect(await sut.find(queued.id)).toMatchObject({ status: 'failed', lastError: PERMANENT });
    expect((await sut.listFailed(10)).map((v) => v.id)).toEqual([queued.id]);
    expect(await sut.retry(queued.id)).toMatchObject({ kind: 'requeued' });
    await jest.advanceTimersByTimeAsync(0);
    expect(await sut.find(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await sut.retry(queued.id)).toMatchObject({ kind: 'not-failed' });
    expect(await sut.retry('nope')).toEqual({ kind: 'not-found' });
    expect(deliverer.settledEmails.map((s) => s.status)).toEqual(['failed', 'sent']);
  });

  it('runs at most DELIVERY_CONCURRENCY attempts at once', async () => {
    const { deliverer, enqueue } = build({ DELIVERY_CONCURRENCY: '2' });
    const held = [pending(), pending(), pending()];
    deliverer.next(...held.map((h) => h.outcome));

    for (let i = 0; i < 3; i++) await enqueue();
    expect(deliverer.attempts).toHaveLength(2);

    held[0].release();
    await jest.advanceTimersByTimeAsync(0);
    expect(deliverer.attempts).toHaveLength(3);
  });

  it('refuses emails beyond QUEUE_CAPACITY with 503, counting those not yet resolved', async () => {
    const { sut, deliverer, enqueue } = build({ QUEUE_CAPACITY: '2' });
    const held = pending();
    deliverer.next(held.outcome, held.outcome);
    await enqueue();
    await enqueue();

    await expect(enqueue()).rejects.toBeInstanceOf(QueueFullError);
    expect(await sut.size()).toBe(2);

    held.release();
    await jest.advanceTimersByTimeAsync(0);
    expect(await sut.size()).toBe(0);
    await expect(enqueue()).resolves.toMatchObject({ client: 'billing' });
  });

  it('answers waitForOutcome with the current view when the wait ends first', async () => {
    const { sut, deliverer, enqueue } = build();
    deliverer.next(pending().outcome);
    const queued = await enqueue();

    const waiting = sut.waitForOutcome(queued.id, 500);
    await jest.advanceTimersByTimeAsync(500);

    expect(await waiting).toMatchObject({ status: 'sending' });
    expect(await sut.waitForOutcome('unknown', 500)).toBeUndefined();
  });

  it('drains: refuses new emails at once and resolves when the last one settles', async () => {
    const { sut, deliverer, enqueue } = build();
    const held = pending();
    deliverer.next(held.outcome);
    await enqueue();

    const draining = sut.drain(10_000);
    await expect(enqueue()).rejects.toBeInstanceOf(DrainingError);
    expect(sut.isAccepting()).toBe(false);
    held.release();

    expect(await draining).toEqual({ remaining: 0, timedOut: false });
  });

  it('reports what is left when a drain times out', async () => {
    const { sut, deliverer, enqueue } = build();
    deliverer.next(pending().outcome);
    await enqueue();

    const draining = sut.drain(1_000);
    await jest.advanceTimersByTimeAsync(1_000);

    expect(await draining).toEqual({ remaining: 1, timedOut: true });
  });

  it('forgets settled emails after EMAIL_RETENTION_SECONDS', async () => {
    const { sut, enqueue } = build({ EMAIL_RETENTION_SECONDS: '60' });
    const queued = await enqueue();
    await jest.advanceTimersByTimeAsync(0);
    expect(await sut.find(queued.id)).toMatchObject({ status: 'sent' });

    await jest.advanceTimersByTimeAsync(60_001);

    expect(await sut.find(queued.id)).toBeUndefined();
  });
});
