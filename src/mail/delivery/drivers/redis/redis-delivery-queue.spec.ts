import { Logger } from '@nestjs/common';
import type { EmailView } from '../../email-view';
import type { EnqueueRequest } from '../delivery-queue';
import { DrainingError, QueueUnavailableError } from '../queue-errors';
import { RedisBounds } from './redis-bounds';
import { RedisDeliveryQueue } from './redis-delivery-queue';
import type { RedisProducer } from './redis-producer';
import type { RedisWorker } from './redis-worker';

const view = (status: EmailView['status']): EmailView => ({
  id: 'e1',
  status,
  client: 'billing',
  attempts: status === 'queued' ? 0 : 1,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
});

/** The request side as the facade uses it: reads answer what `current` says. */
class FakeProducer {
  ready = true;
  responsive = true;
  probes = 0;
  probe() {
    this.probes++;
  }
  current: EmailView | undefined = view('queued');
  reads = 0;
  closed = false;
  enqueue(_request: EnqueueRequest, accepting: boolean) {
    return accepting ? Promise.resolve(view('queued')) : Promise.reject(new DrainingError());
  }
  find() {
    this.reads++;
    return Promise.resolve(this.current);
  }
  waitUntilReady() {
    return Promise.resolve();
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The delivery side: `settle` plays a queue event from any replica. */
class FakeWorker {
  settle: (id: string) => void = () => undefined;
  drained = false;
  reconciled = 0;
  reconcile() {
    this.reconciled++;
    return Promise.resolve();
  }
  start(onSettled: (id: string) => void) {
    this.settle = onSettled;
  }
  waitUntilReady() {
    return Promise.resolve();
  }
  drain() {
    this.drained = true;
    return Promise.resolve({ remaining: 0, timedOut: false });
  }
  close() {
    return Promise.resolve();
  }
}

async function build() {
  const producer = new FakeProducer();
  const worker = new FakeWorker();
  const sut = new RedisDeliveryQueue(
    producer as unknown as RedisProducer,
    worker as unknown as RedisWorker,
  );
  await sut.onModuleInit();
  return { sut, producer, worker };
}

const request: EnqueueRequest = {
  email: { from: 'a@example.com', to: ['b@example.com'], subject: 's' },
  client: 'billing',
  startedAt: 0,
  meta: {},
};

describe(RedisDeliveryQueue.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('wakes a waiting caller on the queue event and reads the settled view', async () => {
    const { sut, producer, worker } = await build();

    const waiting = sut.waitForOutcome('e1', 10_000);
    await jest.advanceTimersByTimeAsync(10);
    producer.current = view('sent');
    worker.settle('e1');

    expect(await waiting).toMatchObject({ status: 'sent' });
    expect(producer.reads).toBe(2);
  });

  it('re-reads every second in case an event was missed, and answers at the deadline', async () => {
    const { sut, producer } = await build();

    const waiting = sut.waitForOutcome('e1', 2_500);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(producer.reads).toBe(2);
    await jest.advanceTimersByTimeAsync(1_500);

    expect(await waiting).toMatchObject({ status: 'queued' });
    // At 0, 1000, 2000 and the deadline.
    expect(producer.reads).toBe(4);
  });

  it('answers at once for an unknown or already settled email', async () => {
    const { sut, producer } = await build();
    producer.current = undefined;
    expect(await sut.waitForOutcome('e1', 10_000)).toBeUndefined();
    producer.current = view('failed');
    expect(await sut.waitForOutcome('e1', 10_000)).toMatchObject({ status: 'failed' });
  });

  it('stops accepting on drain and lets the worker finish its sends', async () => {
    const { sut, worker } = await build();

    await sut.drain(1_000);

    expect(worker.drained).toBe(true);
    expect(sut.isAccepting()).toBe(false);
    await expect(sut.enqueue(request)).rejects.toBeInstanceOf(DrainingError);
  });

  it('is not ready while the Redis connection is down', async () => {
    const { sut, producer } = await build();
    producer.ready = false;

    expect(sut.isAccepting()).toBe(false);
  });

  it('is not ready while Redis stalls (connected, but commands time out), and probes it', async () => {
    const { sut, producer } = await build();
    producer.responsive = false;

    expect(sut.isAccepting()).toBe(false);
    expect(producer.probes).toBe(1);
    producer.responsive = true;
    expect(sut.isAccepting()).toBe(true);
  });

  it('reconciles uncounted outcomes once Redis is reachable at start', async () => {
    const { worker } = await build();

    expect(worker.reconciled).toBe(1);
  });

  it('releases waiting callers and closes the queue on shutdown', async () => {
    const { sut, producer } = await build();
    const waiting = sut.waitForOutcome('e1', 60_000);
    await jest.advanceTimersByTimeAsync(10);

    await sut.onModuleDestroy();

    expect(await waiting).toMatchObject({ status: 'queued' });
    expect(producer.closed).toBe(true);
  });
});

describe(RedisBounds.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns a call that outlasts REDIS_TIMEOUT_MS into a 503 with Retry-After', async () => {
    const sut = new RedisBounds(2_000);

    const call = sut.run(new Promise(() => undefined));
    const refusal = expect(call).rejects.toBeInstanceOf(QueueUnavailableError);
    await jest.advanceTimersByTimeAsync(2_000);

    await refusal;
    await expect(call).rejects.toMatchObject({ retryAfterSeconds: 5 });
  });

  it('turns a Redis error into the same 503, without its text', async () => {
    const sut = new RedisBounds(2_000);

    const call = sut.run(Promise.reject(new Error('READONLY You can’t write against a replica')));

    await expect(call).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(call).rejects.not.toMatchObject({ message: expect.stringContaining('READONLY') });
  });
});
