import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

const OPS = 'backlog-operator-key-0001';
const ALPHA = 'backlog-alpha-key-000001';
const BRAVO = 'backlog-bravo-key-000001';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

interface Listing {
  status: string;
  count: number;
  emails: Array<{ id: string; client: string; status: string; lastError?: { code: string } }>;
  next?: string;
}

/**
 * The operator's backlog view and bulk re-drive (README, "Backlog and bulk re-drive") on every
 * driver, against a real SMTP server: every client's dead letters paged by a cursor that new
 * failures do not disturb, filters, a dry run that changes nothing, a bounded re-drive that
 * delivers, and client keys kept to their own emails (403 operator_only otherwise).
 */
describe.each(['spool', 'memory', 'redis'] as const)('backlog and bulk re-drive (%s)', (driver) => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let prefix: string;

  const list = async (query: string, key = OPS) => {
    const res = await request<Listing>(`${t.url}/emails?${query}`, { headers: as(key) });
    expect(res.status).toBe(200);
    return res.body;
  };
  const redrive = (body: Record<string, unknown>, key = OPS) =>
    postJson<Record<string, unknown>>(`${t.url}/emails/redrive`, body, as(key));
  let sent = 0;
  // A refused address is suppressed (issue 23): each dead letter has its own recipient.
  const fail = async (key: string, tag: string) => {
    smtp.failNext(550, '5.1.1 no such user');
    const res = await postJson(
      `${t.url}/send-email`,
      { to: `gone${++sent}@example.com`, subject: 'x', text: 'x', tags: [tag] },
      as(key),
    );
    // The body says why when it is not a refusal (its error code and attempts).
    if (res.status !== 422) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
    prefix = uniquePrefix('backlog');
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        QUEUE_DRIVER: driver,
        REDIS_PREFIX: prefix,
        API_KEYS: `${OPS}=ops,${ALPHA}=alpha,${BRAVO}=bravo`,
        OPERATOR_CLIENTS: 'ops',
        SEND_WAIT_MS: '5000',
        RETRY_BASE_MS: '600000',
        RETRY_MAX_MS: '600000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    if (driver === 'redis') await deletePrefix(prefix);
  });

  it('pages every client’s dead letters, filters them, and re-drives them in bounded calls', async () => {
    const alpha = [await fail(ALPHA, 'a'), await fail(ALPHA, 'a'), await fail(ALPHA, 'b')];
    const bravo = [await fail(BRAVO, 'a'), await fail(BRAVO, 'a')];

    // Newest first, two per page; a failure between pages does not shift the walk.
    const first = await list('status=failed&limit=2');
    expect(first.emails.map((e) => e.id)).toEqual([bravo[1], bravo[0]]);
    expect(first.next).toEqual(expect.any(String));
    const late = await fail(BRAVO, 'late');
    const second = await list(`status=failed&limit=2&cursor=${first.next}`);
    const third = await list(`status=failed&limit=2&cursor=${second.next}`);
    expect([...second.emails, ...third.emails].map((e) => e.id)).toEqual([
      alpha[2],
      alpha[1],
      alpha[0],
    ]);
    expect(third.next).toBeUndefined();
    expect((await list('status=failed&limit=1')).emails[0].id).toBe(late);

    // Filters: one client, a tag, a reason, an age.
    const ofAlpha = await list('status=failed&client=alpha&tag=a');
    expect(ofAlpha.emails.map((e) => e.id)).toEqual([alpha[1], alpha[0]]);
    expect((await list('status=failed&reason=rejected')).count).toBe(6);
    expect((await list('status=failed&reason=connection')).count).toBe(0);
    expect((await list('status=failed&olderThan=3600')).count).toBe(0);

    // A client key sees its own only; naming another client or re-driving in bulk is 403.
    const own = await list('status=failed', BRAVO);
    expect(own.emails.map((e) => e.id).sort()).toEqual([...bravo, late].sort());
    const named = await request(`${t.url}/emails?status=failed&client=alpha`, {
      headers: as(BRAVO),
    });
    expect({ status: named.status, code: named.body.code }).toEqual({
      status: 403,
      code: 'operator_only',
    });
    const refused = await redrive({ client: 'bravo' }, BRAVO);
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 403,
      code: 'operator_only',
    });
    const badCursor = await request(`${t.url}/emails?status=failed&cursor=bm90LWEtY3Vyc29y`, {
      headers: as(OPS),
    });
    expect(badCursor.status).toBe(400);
    expect(JSON.stringify(badCursor.body.fields)).toContain('cursor');

    // Dry run: a count, nothing sent.
    const delivered = smtp.received.length;
    const dry = await redrive({ client: 'alpha', dryRun: true });
    expect({ status: dry.status, body: dry.body }).toEqual({
      status: 200,
      body: { dryRun: true, matched: 3 },
    });
    expect(smtp.received.length).toBe(delivered);
    expect((await list('status=failed&client=alpha')).count).toBe(3);

    // Two calls of at most two: all three of alpha's delivered, none of bravo's touched.
    const step = await redrive({ client: 'alpha', limit: 2 });
    expect(step.body).toMatchObject({ dryRun: false, requeued: 2, skipped: 0 });
    const rest = await redrive({ client: 'alpha', limit: 2, cursor: step.body.next });
    expect(rest.body).toMatchObject({ requeued: 1, skipped: 0 });
    expect(rest.body.next).toBeUndefined();
    await smtp.waitForMessages(delivered + 3);
    for (const id of alpha) {
      const status = async () =>
        (await request(`${t.url}/emails/${id}`, { headers: as(ALPHA) })).body.status;
      await until(`${id} sent`, async () => (await status()) === 'sent');
    }
    expect((await list('status=failed')).emails.map((e) => e.id).sort()).toEqual(
      [...bravo, late].sort(),
    );
  });

  it('lists deferred emails of every client with their last error', async () => {
    smtp.failNext(451, '4.3.0 try again later');
    const res = await postJson(
      `${t.url}/send-email`,
      { to: 'later@example.com', subject: 'x', text: 'x' },
      { ...as(ALPHA), prefer: 'respond-async' },
    );
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await until('the email deferred', async () =>
      (await list('status=deferred')).emails.some((e) => e.id === id),
    );
    const deferred = await list('status=deferred&client=alpha');
    expect(deferred.emails.find((e) => e.id === id)?.lastError?.code).toBe('deferred');
    expect((await list('status=deferred&olderThan=3600')).count).toBe(0);
    expect((await list('status=deferred', BRAVO)).count).toBe(0);
    expect((await list('status=queued')).count).toBe(0);
  });
});
