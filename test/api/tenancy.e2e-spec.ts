import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

const ALPHA = 'tenancy-alpha-key-00001';
const BRAVO = 'tenancy-bravo-key-00001';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Every email route is scoped to the caller's client: with API keys, bravo can neither see,
 * list nor re-drive alpha's email (not even learn that it exists), on both queue drivers.
 */
describe.each(['memory', 'redis'] as const)('tenancy (%s driver)', (driver) => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let prefix: string;

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
    prefix = uniquePrefix('tenancy');
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: driver,
        REDIS_PREFIX: prefix,
        API_KEYS: `${ALPHA}=alpha,${BRAVO}=bravo`,
        MAX_ATTEMPTS: '1',
        SEND_WAIT_MS: '5000',
        OPENAPI_ENABLED: 'true',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    if (driver === 'redis') await deletePrefix(prefix);
  });

  it("keeps alpha's dead letter away from bravo, and lets alpha re-drive it", async () => {
    smtp.failNext(550, '5.1.1 <secret.recipient@example.com>: no such user');
    const failed = await postJson(
      `${t.url}/send-email`,
      { to: 'secret.recipient@example.com', subject: 'Hi', text: 'x' },
      as(ALPHA),
    );
    expect(failed.status).toBe(422);
    const id = failed.body.id as string;
    const attempts = smtp.dataAttempts;

    // bravo: not found, not listed, not re-driven; nothing about alpha's email leaks.
    const read = await request(`${t.url}/emails/${id}`, { headers: as(BRAVO) });
    expect({ status: read.status, code: read.body.code }).toEqual({
      status: 404,
      code: 'not_found',
    });
    const list = await request(`${t.url}/emails?status=failed`, { headers: as(BRAVO) });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ count: 0, emails: [] });
    expect(list.text).not.toContain('secret.recipient');
    const redrive = await request(`${t.url}/emails/${id}/retry`, {
      method: 'POST',
      headers: as(BRAVO),
    });
    expect({ status: redrive.status, code: redrive.body.code }).toEqual({
      status: 404,
      code: 'not_found',
    });
    // An X-Client-ID claiming alpha changes nothing: the key decides the client.
    const claimed = await request(`${t.url}/emails/${id}`, {
      headers: { ...as(BRAVO), 'x-client-id': 'alpha' },
    });
    expect(claimed.status).toBe(404);
    expect(smtp.dataAttempts).toBe(attempts);

    // alpha: sees it, lists it, re-drives it, and it is delivered.
    expect((await request(`${t.url}/emails/${id}`, { headers: as(ALPHA) })).status).toBe(200);
    const own = await request(`${t.url}/emails?status=failed`, { headers: as(ALPHA) });
    expect((own.body.emails as Array<{ id: string }>).map((e) => e.id)).toContain(id);
    const retry = await request(`${t.url}/emails/${id}/retry`, {
      method: 'POST',
      headers: as(ALPHA),
    });
    expect(retry.status).toBe(202);
    const [mail] = (await smtp.waitForMessages(1)).slice(-1);
    expect(mail.envelope.to).toEqual(['secret.recipient@example.com']);
  });

  it('serves /docs and /docs-json only with a valid key when keys are set', async () => {
    for (const path of ['/docs', '/docs-json']) {
      const anonymous = await request(`${t.url}${path}`);
      expect({ path, status: anonymous.status, code: anonymous.body.code }).toEqual({
        path,
        status: 401,
        code: 'unauthorized',
      });
      const wrong = await request(`${t.url}${path}`, { headers: as('not-a-key-at-all-0000') });
      expect(wrong.status).toBe(401);
      expect((await request(`${t.url}${path}`, { headers: as(BRAVO) })).status).toBe(200);
    }
  });
});
