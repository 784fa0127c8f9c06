import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ScriptedRelay,
  sampleEmail,
  startSpool,
  tempDir,
  type SpoolRig,
} from '../../../../../test/support/spool-kit';
import { DrainingError, QueueFullError } from '../queue-errors';
import { SpoolDeliveryQueue } from './spool-delivery-queue';

const request = (subject = 'Hello', id?: string) => ({
  email: sampleEmail(subject),
  client: 'billing',
  startedAt: performance.now(),
  meta: { requestId: 'req-1' },
  id,
});

describe(SpoolDeliveryQueue.name, () => {
  let dir: string;
  let remove: () => void;
  let path: string;
  const rigs: SpoolRig[] = [];
  const start = (
    ...args: Parameters<typeof startSpool> extends [string, ...infer R] ? R : never
  ) => {
    const rig = startSpool(path, ...args);
    rigs.push(rig);
    return rig;
  };
  /** Closes like a shutdown would: stalled sends stay `sending` on disk. */
  const stop = async (rig: SpoolRig) => {
    rigs.splice(rigs.indexOf(rig), 1);
    await rig.queue.onModuleDestroy();
  };

  beforeEach(() => {
    ({ dir, remove } = tempDir());
    path = join(dir, 'spool.db');
  });
  afterEach(async () => {
    for (const rig of rigs.splice(0)) {
      rig.relay.releaseStalled();
      await rig.queue.onModuleDestroy();
    }
    remove();
  });

  it('stores the email before enqueue resolves, delivers it and counts it once', async () => {
    const { queue: sut, relay, settled } = start();

    const accepted = await sut.enqueue(request());
    const outcome = await sut.waitForOutcome(accepted.id, 5_000);

    expect(accepted.status).toBe('queued');
    expect(outcome).toMatchObject({
      status: 'sent',
      attempts: 1,
      messageId: `<${accepted.id}@relay>`,
    });
    expect(relay.accepted).toEqual([accepted.id]);
    expect(settled).toEqual([expect.objectContaining({ id: accepted.id, status: 'sent' })]);
    expect(await sut.size()).toBe(0);
  });

  it('retries a deferred email and fails a rejected one into the dead letters', async () => {
    const relay = new ScriptedRelay((id, attempt) =>
      id === 'bad' ? 'reject' : attempt === 1 ? 'defer' : 'accept',
    );
    const { queue: sut, settled } = start(relay);

    const good = await sut.enqueue(request('good'));
    await sut.enqueue(request('bad', 'bad'));

    expect(await sut.waitForOutcome(good.id, 5_000)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await sut.waitForOutcome('bad', 5_000)).toMatchObject({
      status: 'failed',
      lastError: { code: 'rejected', smtpCode: 550 },
    });
    expect((await sut.listFailed(10)).map((v) => v.id)).toEqual(['bad']);
    expect(settled.map((s) => s.status).sort()).toEqual(['failed', 'sent']);
  });

  it('re-drives a dead letter with a fresh attempt budget', async () => {
    let relayUp = false;
    const { queue: sut } = start(new ScriptedRelay(() => (relayUp ? 'accept' : 'reject')));
    const failed = await sut.enqueue(request());
    await sut.waitForOutcome(failed.id, 5_000);
    relayUp = true;

    const result = await sut.retry(failed.id);
    const outcome = await sut.waitForOutcome(failed.id, 5_000);

    expect(result.kind).toBe('requeued');
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await sut.retry(failed.id)).toMatchObject({ kind: 'not-failed' });
    expect(await sut.retry('unknown')).toEqual({ kind: 'not-found' });
  });

  it('answers 503 when full and while draining, storing nothing', async () => {
    const relay = new ScriptedRelay(() => 'stall');
    const { queue: sut } = start(relay, { queueCapacity: 2, concurrency: 1 });
    await sut.enqueue(request());
    await sut.enqueue(request());

    await expect(sut.enqueue(request())).rejects.toBeInstanceOf(QueueFullError);
    const report = await sut.drain(50);
    await expect(sut.enqueue(request())).rejects.toBeInstanceOf(DrainingError);
    expect(report).toEqual({ remaining: 2, timedOut: true, kept: true });
    expect(sut.isAccepting()).toBe(false);
  });

  it('drains: resolves as soon as every accepted email is delivered', async () => {
    const { queue: sut, relay } = start();
    await Promise.all(Array.from({ length: 20 }, () => sut.enqueue(request())));

    const report = await sut.drain(10_000);

    expect(report).toEqual({ remaining: 0, timedOut: false, kept: true });
    expect(relay.accepted).toHaveLength(20);
  });

  it('after a stop mid-send, the next start delivers everything and counts the in-flight ones as possible duplicates', async () => {
    const first = start(new ScriptedRelay(() => 'stall'), { concurrency: 3 });
    const ids = (
      await Promise.all(Array.from({ length: 10 }, () => first.queue.enqueue(request())))
    ).map((v) => v.id);
    await waitFor(() => first.relay.stalledCount === 3);
    await stop(first);

    const second = start();
    await Promise.all(ids.map((id) => second.queue.waitForOutcome(id, 5_000)));

    expect(second.queue.recovery).toEqual({ recovered: 10, possibleDuplicates: 3 });
    expect([...second.relay.accepted].sort()).toEqual([...ids].sort());
    expect(second.settled).toHaveLength(10);
  });

  it('an email sent again after a crash before its `sent` commit reports the same event key', async () => {
    const first = start(new ScriptedRelay(() => 'stall'));
    const { id } = await first.queue.enqueue(request());
    await waitFor(() => first.relay.stalledCount === 1);
    await stop(first);
    // The spool as a crash between the relay's 250 and the `sent` commit leaves it: `sending`.
    const crashed = join(dir, 'crashed.db');
    copyFileSync(path, crashed);

    const sent = start();
    await sent.queue.waitForOutcome(id, 5_000);
    await stop(sent);
    path = crashed;
    const again = start();
    await again.queue.waitForOutcome(id, 5_000);

    expect(again.queue.recovery.possibleDuplicates).toBe(1);
    const [before, after] = [sent.settled[0], again.settled[0]];
    expect(before).toMatchObject({ id, status: 'sent', eventKey: expect.stringMatching(/^\d+$/) });
    expect(after.eventKey).toBe(before.eventKey);
  });

  it('keeps the attempt count and next-attempt time across a restart', async () => {
    const first = start(new ScriptedRelay(() => 'defer'), { retryBaseMs: 400, retryMaxMs: 400 });
    const { id } = await first.queue.enqueue(request());
    await waitFor(async () => (await first.queue.find(id))?.nextAttemptAt !== undefined);
    await stop(first);

    const second = start(new ScriptedRelay(), { retryBaseMs: 400, retryMaxMs: 400 });
    const waiting = await second.queue.find(id);
    const outcome = await second.queue.waitForOutcome(id, 5_000);

    expect(waiting).toMatchObject({
      status: 'deferred',
      attempts: 1,
      lastError: { code: 'deferred' },
    });
    expect(Date.parse(waiting!.nextAttemptAt!)).toBeGreaterThan(Date.now() - 400);
    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    expect(second.queue.recovery.possibleDuplicates).toBe(0);
  });

  it('shows a delivered email after a restart until retention, then forgets it', async () => {
    const first = start();
    const { id } = await first.queue.enqueue(request());
    await first.queue.waitForOutcome(id, 5_000);
    await stop(first);

    const second = start(undefined, { retentionMs: 60_000 });
    expect(await second.queue.find(id)).toMatchObject({
      status: 'sent',
      messageId: `<${id}@relay>`,
    });
    await stop(second);

    const third = start(undefined, { retentionMs: 1 });
    expect(await third.queue.find(id)).toBeUndefined();
  });

  describe('idempotency keys', () => {
    it('writes the key with its email, so a key survives a restart only with its email', async () => {
      const first = start(new ScriptedRelay(() => 'stall'));
      const record = { id: 'email-1', fingerprint: 'fp' };
      expect(await first.queue.idempotency.claim('billing:k1', record)).toBeUndefined();
      // A concurrent claim sees the reservation before the email is stored.
      expect(
        await first.queue.idempotency.claim('billing:k1', { id: 'x', fingerprint: 'fp' }),
      ).toEqual(record);
      await first.queue.enqueue(request('Hello', record.id));
      await stop(first);

      const second = start(new ScriptedRelay(() => 'stall'));

      expect(
        await second.queue.idempotency.claim('billing:k1', { id: 'y', fingerprint: 'fp' }),
      ).toEqual(record);
      expect(await second.queue.find(record.id)).toMatchObject({ status: 'queued' });
    });

    it('leaves no key behind when the email was refused', async () => {
      const { queue: sut } = start();
      const record = { id: 'email-2', fingerprint: 'fp' };
      await sut.idempotency.claim('billing:k2', record);
      await sut.drain(0);

      await expect(sut.enqueue(request('Hello', record.id))).rejects.toBeInstanceOf(DrainingError);
      await sut.idempotency.release('billing:k2', record);

      expect(
        await sut.idempotency.claim('billing:k2', { id: 'z', fingerprint: 'fp' }),
      ).toBeUndefined();
    });
  });
});

/** Polls a condition the code under test will make true (bounded). */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
