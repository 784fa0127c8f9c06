import { request } from './test-app';

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
