import type { DeliveryQueue } from '../../src/mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from '../../src/mail/mail.constants';
import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { untilQueueEmpty, waitForStatus } from '../support/wait';

const email = (n: number | string) => ({
  to: 'someone@example.com',
  subject: `hello ${n}`,
  text: `body ${n}`,
});

/** The same behaviour, whichever driver runs the queue. */
describe.each(['memory', 'redis'] as const)('delivery queue driver %s', (driver) => {
  let smtp: TestSmtpServer;
  let sut: TestApp;
  let prefix: string;

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
    smtp = await TestSmtpServer.start();
  });

  beforeEach(async () => {
    prefix = uniquePrefix('behaviour');
    sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: driver,
        REDIS_PREFIX: prefix,
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '100',
        MAX_ATTEMPTS: '3',
        SEND_WAIT_MS: '5000',
      },
    });
  });

  afterEach(async () => {
    await sut.close();
    if (driver === 'redis') await deletePrefix(prefix);
  });

  afterAll(async () => {
    await smtp.stop();
  });

  it('answers 200 with the message id once the SMTP server accepted it', async () => {
    const res = await postJson(`${sut.url}/send-email`, email('ok'));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', attempts: 1 });
    const view = await request(`${sut.url}/emails/${String(res.body.id)}`);
    expect(view.body).toMatchObject({ id: res.body.id, status: 'sent', client: 'unknown' });
    expect(view.body.messageId).toBe(res.body.messageId);
  });

  it('answers 202 with Location for respond-async, and the email is then sent', async () => {
    const res = await postJson(`${sut.url}/send-email`, email('async'), {
      prefer: 'respond-async',
    });

    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/emails/${String(res.body.id)}`);
    await waitForStatus(sut.url, String(res.body.id), 'sent');
  });

  it('retries a 4xx with backoff and counts the email once', async () => {
    smtp.failNext(451, 'try later', 2);

    const res = await postJson(`${sut.url}/send-email`, email('retry'), {
      'x-client-id': 'retrier',
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', attempts: 3 });
    const metrics = await request(`${sut.url}/metrics`);
    expect(metrics.text).toMatch(/email_sent_total\{client="retrier",status="success"\} 1\b/);
  });

  it('fails a 5xx at once (422), lists it as a dead letter and re-drives it', async () => {
    smtp.failNext(550, 'no such user');

    const res = await postJson(`${sut.url}/send-email`, email('dead'));

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 'failed', attempts: 1 });
    const id = String(res.body.id);
    const dead = await request<{ emails: Array<{ id: string }> }>(
      `${sut.url}/emails?status=failed&limit=10`,
    );
    expect(dead.status).toBe(200);
    expect(dead.body.emails.map((e) => e.id)).toContain(id);
    const redrive = await postJson(`${sut.url}/emails/${id}/retry`, {});
    expect(redrive.status).toBe(202);
    expect(redrive.headers.get('location')).toBe(`/emails/${id}`);
    await waitForStatus(sut.url, id, 'sent');
    expect((await postJson(`${sut.url}/emails/${id}/retry`, {})).status).toBe(409);
  });

  it('rejects a dead-letter listing beyond 100 items', async () => {
    expect((await request(`${sut.url}/emails?status=failed&limit=501`)).status).toBe(400);
  });

  it('gives one email for the same Idempotency-Key sent 10 times concurrently', async () => {
    const before = smtp.received.length;
    const key = `key-${prefix}`;

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        postJson(`${sut.url}/send-email`, email('idem'), { 'idempotency-key': key }),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    await untilQueueEmpty(sut);
    expect(smtp.received.length - before).toBe(1);
    const otherBody = await postJson(`${sut.url}/send-email`, email('other'), {
      'idempotency-key': key,
    });
    expect(otherBody.status).toBe(422);
  });

  it('queues a batch per item and reports invalid items without refusing the others', async () => {
    const res = await postJson<{
      accepted: number;
      results: Array<{ index: number; status: number; id?: string; errors?: unknown[] }>;
    }>(`${sut.url}/send-email/batch`, {
      emails: [email('b1'), { subject: 'no recipient' }, email('b3')],
    });

    expect(res.status).toBe(207);
    expect(res.body.accepted).toBe(2);
    expect(res.body.results.map((r) => r.status)).toEqual([202, 400, 202]);
    expect(res.body.results[1].errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'to' })]),
    );
    await waitForStatus(sut.url, res.body.results[2].id!, 'sent');
  });

  it('shows the backlog in email_queue_size while the SMTP server stalls', async () => {
    smtp.stall(true);
    try {
      for (let i = 0; i < 3; i++) {
        await postJson(`${sut.url}/send-email`, email(`stall${i}`), { prefer: 'respond-async' });
      }
      const depth = sut.app.get<DeliveryQueue>(DELIVERY_QUEUE);
      expect(await depth.size()).toBe(3);
      const metrics = await request(`${sut.url}/metrics`);
      expect(metrics.text).toMatch(/^email_queue_size 3$/m);
      if (driver === 'redis') {
        expect(metrics.text).toMatch(/^email_queue_jobs\{state="active"\} 3$/m);
        expect(metrics.text).toMatch(/^email_queue_jobs\{state="waiting"\} 0$/m);
      }
    } finally {
      smtp.stall(false);
    }
  });
});
