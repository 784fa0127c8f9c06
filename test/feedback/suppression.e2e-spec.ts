import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PostfixServer } from '../support/postfix-server';
import { deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { createTestApp, postJson, request, testSpoolPath, type TestApp } from '../support/test-app';
import { until } from '../support/wait';

const KEYS = {
  billing: 'billing-key-0123456789abcdef',
  crm: 'crm-key-0123456789abcdef0000',
  ops: 'ops-key-0123456789abcdef00000',
};
const GONE = 'gone@example.com';
const auth = (client: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[client]}` });

/** RCPT refusals Postfix logged for `address`: how often the relay was asked about it. */
function refusalsLogged(postfix: PostfixServer, address: string): number {
  const log = join(postfix.dir, 'maillog');
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('NOQUEUE: reject: RCPT') && line.includes(`<${address}>`))
    .length;
}

/**
 * A real relay's 550 suppresses the recipient; the next send to it never reaches the relay;
 * removal re-enables it; each client has its own list; operators see all. Run with the
 * spool (SQLite beside it, across a restart) and the Redis driver.
 */
describe.each(['spool', 'redis'])('suppression list with QUEUE_DRIVER=%s', (driver) => {
  let postfix: PostfixServer;
  let app: TestApp;
  const prefix = uniquePrefix('suppr');
  const spoolPath = testSpoolPath();
  const env = () => ({
    SMTP_URL: `smtp://127.0.0.1:${postfix.port}`,
    QUEUE_DRIVER: driver,
    SPOOL_PATH: spoolPath,
    REDIS_PREFIX: prefix,
    API_KEYS: Object.entries(KEYS)
      .map(([client, key]) => `${key}=${client}`)
      .join(','),
    OPERATOR_CLIENTS: 'ops',
  });

  beforeAll(async () => {
    if (driver === 'redis') await requireRedis();
    postfix = await PostfixServer.start({ recipientReplies: { [GONE]: '550 5.1.1 no such user' } });
    app = await createTestApp({ env: env() });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await postfix?.stop();
    if (driver === 'redis') await deletePrefix(prefix);
  });

  const send = (client: keyof typeof KEYS, to: string[]) =>
    postJson<Record<string, unknown>>(
      `${app.url}/send-email`,
      { to, subject: 'Statement', text: 'Hello' },
      auth(client),
    );
  const entry = (client: keyof typeof KEYS, address = GONE, query = '') =>
    request(`${app.url}/suppressions/${address}${query}`, { headers: auth(client) });

  it('a 550 at RCPT from Postfix puts the recipient on the sender client’s list', async () => {
    const res = await send('billing', [GONE, 'ok@example.com']);
    expect(res.status).toBe(200);
    await until('Postfix to log the refusal', () => refusalsLogged(postfix, GONE) === 1);
    await until(
      'the refusal to be on billing’s list',
      async () => (await entry('billing')).status === 200,
    );
    const found = await entry('billing');
    expect(found.body).toMatchObject({
      address: GONE,
      client: 'billing',
      source: 'refusal',
      count: 1,
    });
    expect(String(found.body.reason)).toContain('550');
  });

  it('the next send to it is refused per recipient and never reaches the relay', async () => {
    const partial = await send('billing', [GONE, 'other@example.com']);
    expect(partial.status).toBe(200);
    expect(partial.body.suppressed).toEqual([{ address: GONE, code: 'suppressed' }]);
    const view = await request(`${app.url}/emails/${String(partial.body.id)}`, {
      headers: auth('billing'),
    });
    expect(view.body.suppressed).toEqual([{ address: GONE, code: 'suppressed' }]);
    const all = await send('billing', ['Gone@Example.com']);
    expect(all.status).toBe(422);
    expect(all.body.code).toBe('suppressed');
    // The partial send settled (200) after Postfix answered its RCPTs: had GONE been among
    // them, Postfix would have logged a second refusal by then.
    expect(refusalsLogged(postfix, GONE)).toBe(1);
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(metrics).toMatch(/email_suppressed_recipients_total\{client="billing"\} 2/);
  });

  it('each client has its own list; an operator sees every list', async () => {
    expect((await entry('crm')).status).toBe(404);
    const crmList = await request(`${app.url}/suppressions`, { headers: auth('crm') });
    expect(crmList.body).toEqual({ entries: [] });
    const sneaky = await request(`${app.url}/suppressions?client=billing`, {
      headers: auth('crm'),
    });
    expect(sneaky.status).toBe(400);
    // crm's send goes to the relay; refused there for its only recipient, the email fails
    // (422 rejected) and crm's own list gets the address.
    const refused = await send('crm', [GONE]);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      status: 'failed',
      error: { code: 'rejected', smtpCode: 550 },
    });
    await until('Postfix to log crm’s refusal', () => refusalsLogged(postfix, GONE) === 2);
    const ops = await request<{ entries: Array<{ client: string }> }>(`${app.url}/suppressions`, {
      headers: auth('ops'),
    });
    await until('crm’s refusal to be listed', async () => (await entry('crm')).status === 200);
    const everyone = await request<{ entries: Array<{ client: string }> }>(
      `${app.url}/suppressions`,
      {
        headers: auth('ops'),
      },
    );
    expect(ops.status).toBe(200);
    expect(everyone.body.entries.map((e) => e.client).sort()).toEqual(['billing', 'crm']);
  });

  it('the API adds and pages entries with a cursor', async () => {
    for (const n of [1, 2, 3]) {
      const added = await postJson(
        `${app.url}/suppressions`,
        { address: `manual${n}@example.com`, reason: 'asked us' },
        auth('billing'),
      );
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ source: 'api', reason: 'asked us' });
    }
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const res = await request<{ entries: Array<{ address: string }>; next?: string }>(
        `${app.url}/suppressions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: auth('billing') },
      );
      seen.push(...res.body.entries.map((e) => e.address));
      if (!res.body.next) break;
      cursor = res.body.next;
    }
    expect(seen).toEqual([
      GONE,
      'manual1@example.com',
      'manual2@example.com',
      'manual3@example.com',
    ]);
    const bad = await postJson(
      `${app.url}/suppressions`,
      { address: 'not an address' },
      auth('billing'),
    );
    expect(bad.status).toBe(400);
  });

  it('is kept across a restart', async () => {
    await app.close();
    app = await createTestApp({ env: env() });
    expect((await entry('billing')).status).toBe(200);
  });

  it('removal re-enables the address: the next send reaches the relay again', async () => {
    const removed = await request(`${app.url}/suppressions/${GONE}`, {
      method: 'DELETE',
      headers: auth('billing'),
    });
    expect(removed.status).toBe(204);
    expect((await entry('billing')).status).toBe(404);
    const before = refusalsLogged(postfix, GONE);
    expect((await send('billing', [GONE, 'ok@example.com'])).status).toBe(200);
    await until('the relay to be asked again', () => refusalsLogged(postfix, GONE) === before + 1);
    const again = await request(`${app.url}/suppressions/${GONE}`, {
      method: 'DELETE',
      headers: auth('crm'),
    });
    expect(again.status).toBe(204);
  });
});
