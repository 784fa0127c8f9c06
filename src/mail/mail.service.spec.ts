import { ForbiddenException, Logger } from '@nestjs/common';
import { parseMailConfig } from '../config/mail.config';
import { parseSecurityConfig } from '../config/security.config';
import type { TemplateRenderer } from '../templates/template-renderer';
import { MemoryIdempotencyStore } from './delivery/drivers/memory/memory-idempotency-store';
import { QueueFullError, QueueUnavailableError } from './delivery/drivers/queue-errors';
import type { IdempotencyRecord, IdempotencyStore } from './idempotency/idempotency-store';
import { MailService, type EmailMessage } from './mail.service';
import { MessagePolicy } from './policy/message-policy';
import { FakeDeliveryQueue } from './testing/fake-delivery-queue';

const MESSAGE: EmailMessage = { to: 'ada@example.com', subject: 'Hi', text: 'Hello' };

const templates = {
  render: (name: string) => ({ html: `<p>${name}</p>` }),
} as unknown as TemplateRenderer;

function build(
  env: Record<string, string> = {},
  idempotency: IdempotencyStore = new MemoryIdempotencyStore(60_000),
) {
  const queue = new FakeDeliveryQueue();
  const sut = new MailService(
    queue,
    parseMailConfig({ SEND_WAIT_MS: '1000', ...env }),
    templates,
    new MessagePolicy(parseSecurityConfig(env)),
    idempotency,
  );
  return { sut, queue };
}

// Quiet: the service logs one line per email.
Logger.overrideLogger(false);

describe(MailService.name, () => {
  afterEach(() => jest.useRealTimers());

  describe('send', () => {
    it('queues the normalised email with its client, clock and request id, and waits for the outcome', async () => {
      const { sut, queue } = build();
      const sending = sut.send(MESSAGE, { client: 'billing', startedAt: 12, requestId: 'req-1' });
      await Promise.resolve();
      const [request] = queue.enqueued;
      queue.settle(queue.views.keys().next().value!, 'sent');

      const view = await sending;

      expect(view.status).toBe('sent');
      expect(request).toMatchObject({
        client: 'billing',
        startedAt: 12,
        meta: { requestId: 'req-1' },
        email: { from: 'mailwatch@localhost', to: ['ada@example.com'], subject: 'Hi' },
      });
    });

    it('returns at once with the queued view when waitMs is 0', async () => {
      const { sut } = build();

      const view = await sut.send(MESSAGE, { waitMs: 0 });

      expect(view).toMatchObject({ status: 'queued', client: 'unknown' });
    });

    it('answers with the current view when the outcome takes longer than the wait', async () => {
      jest.useFakeTimers();
      const { sut } = build({ SEND_WAIT_MS: '500' });
      const sending = sut.send(MESSAGE);
      await jest.advanceTimersByTimeAsync(500);

      expect((await sending).status).toBe('queued');
    });

    it('refuses a sender outside the allowlist before anything is queued', async () => {
      const { sut, queue } = build({ ALLOWED_SENDER_DOMAINS: 'example.org' });

      await expect(sut.send({ ...MESSAGE, from: 'ceo@evil.test' })).rejects.toBeInstanceOf(
        ForbiddenException,
      );
      expect(queue.enqueued).toEqual([]);
    });

    it('renders a template into html before queueing', async () => {
      const { sut, queue } = build();

      await sut.send({ to: 'a@example.com', subject: 's', template: 'welcome' }, { waitMs: 0 });

      expect(queue.enqueued[0].email.html).toBe('<p>welcome</p>');
    });
  });

  describe('with an Idempotency-Key', () => {
    it('queues the first request under the id it reserved for the key', async () => {
      const { sut, queue } = build();

      const view = await sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });

      expect(queue.enqueued).toHaveLength(1);
      expect(queue.enqueued[0].id).toBe(view.id);
    });

    it('answers a repeat with the original email and never queues it again', async () => {
      const { sut, queue } = build();
      const first = await sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });
      queue.settle(first.id, 'sent');

      const repeat = await sut.send(MESSAGE, { idempotencyKey: 'k1' });

      expect(repeat).toMatchObject({ id: first.id, status: 'sent' });
      expect(queue.enqueued).toHaveLength(1);
    });

    it('treats `to: "a"` and `to: ["a"]` as the same request', async () => {
      const { sut, queue } = build();
      const first = await sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });

      const repeat = await sut.send(
        { ...MESSAGE, to: ['ada@example.com'] },
        { idempotencyKey: 'k1', waitMs: 0 },
      );

      expect(repeat.id).toBe(first.id);
      expect(queue.enqueued).toHaveLength(1);
    });

    it('keeps keys per client', async () => {
      const { sut, queue } = build();
      const billing = await sut.send(MESSAGE, {
        client: 'billing',
        idempotencyKey: 'k',
        waitMs: 0,
      });
      const crm = await sut.send(MESSAGE, { client: 'crm', idempotencyKey: 'k', waitMs: 0 });

      expect(crm.id).not.toBe(billing.id);
      expect(queue.enqueued).toHaveLength(2);
    });

    it('refuses a repeat with a different body with 422', async () => {
      const { sut, queue } = build();
      await sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });

      await expect(
        sut.send({ ...MESSAGE, subject: 'Other' }, { idempotencyKey: 'k1', waitMs: 0 }),
      ).rejects.toMatchObject({ status: 422, response: { code: 'idempotency_mismatch' } });
      expect(queue.enqueued).toHaveLength(1);
    });

    it('answers 409 when the key is held but its email is not stored, and sends nothing', async () => {
      jest.useFakeTimers();
      const held: IdempotencyRecord = { id: 'lost-email', fingerprint: '' };
      const store: IdempotencyStore = {
        // The key's owner claimed it with this body, but its email never got stored.
        claim: (_key, record) => Promise.resolve({ ...held, fingerprint: record.fingerprint }),
        release: () => Promise.resolve(),
      };
      const { sut, queue } = build({}, store);

      const repeat = sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });
      const settled = expect(repeat).rejects.toMatchObject({
        status: 409,
        response: { code: 'idempotency_expired' },
      });
      await jest.advanceTimersByTimeAsync(5_100);

      await settled;
      expect(queue.enqueued).toEqual([]);
    });

    it('returns the original once a concurrent first request stores it', async () => {
      jest.useFakeTimers();
      const { sut, queue } = build();
      // The first request claimed the key; its enqueue has not happened yet.
      const gate = new Promise<void>((resolve) => setTimeout(resolve, 200));
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = async (request) => {
        await gate;
        return enqueue(request);
      };
      const first = sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });
      const repeat = sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });
      await jest.advanceTimersByTimeAsync(300);

      expect((await repeat).id).toBe((await first).id);
      expect(queue.enqueued).toHaveLength(1);
    });

    it('frees the key when the queue refuses the email, so a retry is queued', async () => {
      const { sut, queue } = build();
      queue.failNextEnqueue = new QueueFullError(10);

      await expect(sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 })).rejects.toBeInstanceOf(
        QueueFullError,
      );
      const retry = await sut.send(MESSAGE, { idempotencyKey: 'k1', waitMs: 0 });

      expect(queue.enqueued).toHaveLength(1);
      expect(queue.enqueued[0].id).toBe(retry.id);
    });

    it('answers 503 (nothing queued) when the key store is unreachable', async () => {
      const store: IdempotencyStore = {
        claim: () => Promise.reject(new Error('ECONNREFUSED')),
        release: () => Promise.resolve(),
      };
      const { sut, queue } = build({}, store);

      const refusal = sut.send(MESSAGE, { idempotencyKey: 'k1' });

      await expect(refusal).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(refusal).rejects.toMatchObject({ retryAfterSeconds: 5 });
      expect(queue.enqueued).toEqual([]);
    });
  });

  describe('dead letters', () => {
    it('re-drives failed emails through the queue', async () => {
      const { sut, queue } = build();
      const view = await sut.send(MESSAGE, { waitMs: 0 });
      queue.settle(view.id, 'failed');

      expect((await sut.find(view.id))?.status).toBe('failed');
      expect(await sut.retry(view.id)).toMatchObject({ kind: 'requeued' });
      expect(await sut.retry('unknown')).toEqual({ kind: 'not-found' });
      expect((await sut.find(view.id))?.status).toBe('queued');
    });
  });
});
