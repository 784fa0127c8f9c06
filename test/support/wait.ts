import type { DeliveryQueue } from '../../src/mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from '../../src/mail/mail.constants';
import { request, type TestApp } from './test-app';

/**
 * Polls `check` until it holds, at most `ms`; fails naming `what`. For events the test
 * cannot subscribe to (a replica's delivery, a scrape); never to prove that nothing happened.
 */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits for GET /emails/:id to report `status`; returns the email's view. */
export async function waitForStatus(
  url: string,
  id: string,
  status: string,
  ms = 10_000,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await until(
    `email ${id} to be ${status}`,
    async () => {
      body = (await request(`${url}/emails/${id}`)).body ?? {};
      return body.status === status;
    },
    ms,
  );
  return body;
}

/**
 * Waits until the app holds no unresolved email (the driver's own count, no cache). From
 * then on nothing more can reach an SMTP server, so "nothing else arrived" can be asserted
 * without sleeping.
 */
export async function untilQueueEmpty(app: TestApp, ms = 10_000): Promise<void> {
  const queue = app.app.get<DeliveryQueue>(DELIVERY_QUEUE);
  await until('every accepted email to be resolved', async () => (await queue.size()) === 0, ms);
}
