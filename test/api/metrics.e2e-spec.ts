import { spawnSync } from 'node:child_process';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { useSmtpApp } from '../support/smtp-app';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { seriesOf, valueOf } from '../support/scrape';

const email = (subject: string) => ({ to: 'alice@example.com', subject, text: 'body' });

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  return res.text;
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('email metrics count real outcomes exactly once', () => {
  const fx = useSmtpApp({
    RETRY_BASE_MS: '3000',
    RETRY_MAX_MS: '3000',
    MAX_ATTEMPTS: '3',
    SEND_WAIT_MS: '1500',
    METRICS_CACHE_MS: '0',
  });

  it('matches what happened: sent, rejected, retried-then-delivered (after 202), invalid', async () => {
    const post = (client: string, subject: string) =>
      postJson(`${fx.app.url}/send-email`, email(subject), { 'x-client-id': client });

    // alpha: 3 delivered at once
    for (let i = 0; i < 3; i++) expect((await post('alpha', `a${i}`)).status).toBe(200);
    // beta: 2 permanently rejected
    fx.smtp.failNext(550, 'No such user', 2);
    for (let i = 0; i < 2; i++) expect((await post('beta', `b${i}`)).status).toBe(422);
    // beta: 2 deferred once, retried after ≥ 1.5 s, beyond SEND_WAIT_MS → 202 first
    fx.smtp.failNext(451, 'Greylisted', 2);
    const deferred = [await post('beta', 'r0'), await post('beta', 'r1')];
    expect(deferred.map((r) => r.status)).toEqual([202, 202]);
    // invalid requests are not emails
    expect(
      (await postJson(`${fx.app.url}/send-email`, { to: 'nope' }, { 'x-client-id': 'alpha' }))
        .status,
    ).toBe(400);

    await until(async () => valueOf(await scrape(fx.app.url), 'email_queue_size') === 0);
    await fx.smtp.waitForMessages(5);
    const text = await scrape(fx.app.url);

    expect(valueOf(text, 'email_sent_total', { client: 'alpha', status: 'success' })).toBe(3);
    expect(valueOf(text, 'email_sent_total', { client: 'alpha', status: 'failure' })).toBe(0);
    expect(valueOf(text, 'email_sent_total', { client: 'beta', status: 'success' })).toBe(2);
    expect(valueOf(text, 'email_sent_total', { client: 'beta', status: 'failure' })).toBe(2);
    expect(valueOf(text, 'email_send_duration_seconds_count', { client: 'alpha' })).toBe(3);
    expect(valueOf(text, 'email_send_duration_seconds_count', { client: 'beta' })).toBe(4);
    // The retried ones waited ≥ 1.5 s before their retry.
    expect(
      valueOf(text, 'email_send_duration_seconds_bucket', { client: 'beta', le: '0.1' }),
    ).toBeLessThanOrEqual(2);
    expect(valueOf(text, 'email_send_attempts_total', { result: 'success' })).toBe(5);
    expect(valueOf(text, 'email_send_attempts_total', { result: 'transient' })).toBe(2);
    expect(valueOf(text, 'email_send_attempts_total', { result: 'permanent' })).toBe(2);
    expect(valueOf(text, 'email_retries_total', { reason: 'deferred' })).toBe(2);
    expect(valueOf(text, 'email_failures_total', { reason: 'rejected' })).toBe(2);
    expect(valueOf(text, 'email_queue_size')).toBe(0);
    // HTTP metrics saw every request, including the 400, labelled by route template.
    expect(valueOf(text, 'http_requests_total', { handler: '/send-email', status: '2xx' })).toBe(5);
    expect(valueOf(text, 'http_requests_total', { handler: '/send-email', status: '4xx' })).toBe(3);
  });

  it('shows the backlog in email_queue_size while the SMTP server stalls', async () => {
    fx.smtp.stall(true);
    for (let i = 0; i < 7; i++) {
      await postJson(`${fx.app.url}/send-email`, email(`q${i}`), { prefer: 'respond-async' });
    }
    expect(valueOf(await scrape(fx.app.url), 'email_queue_size')).toBe(7);
    fx.smtp.stall(false);
    await until(async () => valueOf(await scrape(fx.app.url), 'email_queue_size') === 0);
  });

  it('labels HTTP metrics by route template and groups unmatched routes as none', async () => {
    await request(`${fx.app.url}/emails/4b0f5a4e-8a4b-4c4e-9d7e-0c1f2a3b4c5d`);
    await request(`${fx.app.url}/no/such/route`);
    await request(`${fx.app.url}/healthz`);
    const text = await scrape(fx.app.url);

    expect(valueOf(text, 'http_requests_total', { handler: '/emails/:id', status: '4xx' })).toBe(1);
    expect(valueOf(text, 'http_requests_total', { handler: 'none', status: '4xx' })).toBe(1);
    const handlers = new Set(seriesOf(text, 'http_requests_total').map((s) => s.labels.handler));
    expect(handlers.has('/healthz')).toBe(false);
    expect(handlers.has('/metrics')).toBe(false);
    expect([...handlers].some((h) => h.includes('4b0f5a4e'))).toBe(false);
    expect(seriesOf(text, 'http_requests_inprogress').length).toBeGreaterThan(0);
  });

  it('serves OpenMetrics with exemplars carrying the email id when asked', async () => {
    const sent = await postJson(`${fx.app.url}/send-email`, email('exemplar'), {
      'x-client-id': 'alpha',
    });
    const res = await request(`${fx.app.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });

    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    expect(res.text.trimEnd().endsWith('# EOF')).toBe(true);
    expect(res.text).toContain('# TYPE email_sent counter');
    expect(res.text).toMatch(
      new RegExp(
        `email_send_duration_seconds_bucket\\{[^}]*client="alpha"[^}]*\\} \\d+ # \\{email_id="[0-9a-f-]{36}"\\}`,
      ),
    );
    expect(res.text).toContain(`email_id="${String(sent.body.id)}"`);
    // The classic format stays free of exemplars for scrapers that don't ask.
    expect(await scrape(fx.app.url)).not.toContain('email_id=');
  });

  it('passes promtool check metrics for our own families', async () => {
    const text = await scrape(fx.app.url);
    const ours = text
      .split('\n\n')
      .filter((block) => /^# HELP (email_|http_)/.test(block))
      .join('\n\n');
    expect(ours).toContain('email_sent_total');
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: `${ours}\n`,
      encoding: 'utf8',
    });
    if (result.error)
      throw new Error(`promtool is required (Debian package prometheus): ${result.error.message}`);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('bounded client labels', () => {
  const apps: TestApp[] = [];
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  afterAll(async () => {
    await smtp.stop();
  });

  it('gives the first 100 clients their own label and everyone after that other', async () => {
    const sut = await createTestApp({ env: { SMTP_URL: smtp.url } });
    apps.push(sut);
    for (let batch = 0; batch < 150; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          postJson(`${sut.url}/send-email`, email('x'), { 'x-client-id': `team-${batch + i}` }),
        ),
      );
    }
    const text = await scrape(sut.url);
    const clients = new Set(seriesOf(text, 'email_sent_total').map((s) => s.labels.client));

    expect(clients.size).toBe(101);
    expect(clients.has('other')).toBe(true);
    expect(valueOf(text, 'email_sent_total')).toBe(150);
    expect(valueOf(text, 'email_sent_total', { client: 'other' })).toBe(50);
  });

  it('uses only the allowlist when METRICS_CLIENTS is set, and sanitises raw ids', async () => {
    const sut = await createTestApp({ env: { SMTP_URL: smtp.url, METRICS_CLIENTS: 'web,batch' } });
    apps.push(sut);
    for (const client of ['web', 'batch', 'mobile', 'evil"} client{']) {
      await postJson(`${sut.url}/send-email`, email('x'), { 'x-client-id': client });
    }
    await postJson(`${sut.url}/send-email`, email('x'));
    const text = await scrape(sut.url);

    expect(new Set(seriesOf(text, 'email_sent_total').map((s) => s.labels.client))).toEqual(
      new Set(['web', 'batch', 'other']),
    );
    expect(valueOf(text, 'email_sent_total', { client: 'other' })).toBe(3);
  });
});

describe('metrics configuration', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('ENABLE_METRICS=false: no /metrics and no HTTP series, mail still works', async () => {
    const sut = await createTestApp({ env: { ENABLE_METRICS: 'false' } });
    apps.push(sut);
    const { register } = await import('prom-client');

    expect((await postJson(`${sut.url}/send-email`, email('off'))).status).toBe(200);
    expect((await request(`${sut.url}/metrics`)).status).toBe(404);
    const text = await register.metrics();
    expect(text).not.toContain('http_requests_total');
    expect(text).not.toContain('process_cpu_seconds_total');
    expect(valueOf(text, 'email_sent_total')).toBe(0);
  });

  it('METRICS_PORT moves /metrics off the API port; METRICS_AUTH requires basic auth', async () => {
    const port = await freePort();
    const sut = await createTestApp({
      env: { METRICS_PORT: String(port), METRICS_AUTH: 'prom:s3cret' },
    });
    apps.push(sut);
    const metricsUrl = `http://127.0.0.1:${port}`;

    expect((await request(`${sut.url}/metrics`)).status).toBe(404);
    const anonymous = await request(`${metricsUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await request(`${metricsUrl}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from('prom:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const ok = await request(`${metricsUrl}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE email_sent_total counter');
    expect((await request(`${metricsUrl}/other`)).status).toBe(404);
  });

  it('METRICS_AUTH on the API port protects /metrics there too', async () => {
    const sut = await createTestApp({ env: { METRICS_AUTH: 'prom:s3cret' } });
    apps.push(sut);
    expect((await request(`${sut.url}/metrics`)).status).toBe(401);
    const ok = await request(`${sut.url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` },
    });
    expect(ok.status).toBe(200);
  });

  it('METRICS_INPROGRESS_NAME and METRICS_PREFIX rename HTTP/process metrics, never email_*', async () => {
    const sut = await createTestApp({
      env: {
        METRICS_INPROGRESS_NAME: 'email_in_progress',
        METRICS_PREFIX: 'mw',
      },
    });
    apps.push(sut);
    await postJson(`${sut.url}/send-email`, email('x'));
    const text = await scrape(sut.url);
    expect(text).toContain('mw_email_in_progress{');
    expect(text).toContain('mw_http_requests_total{');
    expect(text).toContain('mw_process_cpu_seconds_total');
    expect(text).toContain('email_sent_total{');
    expect(text).not.toContain('mw_email_sent_total');
  });

  it('METRICS_CACHE_MS: scrapes within the window share one render', async () => {
    const sut = await createTestApp({ env: { METRICS_CACHE_MS: '60000' } });
    apps.push(sut);
    const first = await scrape(sut.url);
    await postJson(`${sut.url}/send-email`, email('cached'));
    const second = await scrape(sut.url);
    expect(second).toBe(first);
    expect(valueOf(second, 'email_sent_total')).toBe(0);
  });

  it('counts requests refused before the handler (413, 415) in HTTP metrics, not as emails', async () => {
    const sut = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048', METRICS_CACHE_MS: '0' } });
    apps.push(sut);
    const tooLarge = await postJson(`${sut.url}/send-email`, {
      ...email('big'),
      text: 'x'.repeat(4096),
    });
    expect(tooLarge.status).toBe(413);
    const wrongType = await request(`${sut.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    const text = await scrape(sut.url);
    expect(valueOf(text, 'http_requests_total', { handler: '/send-email', status: '4xx' })).toBe(2);
    expect(valueOf(text, 'email_sent_total')).toBe(0);
    expect(valueOf(text, 'email_send_duration_seconds_count')).toBe(0);
  });

  it('METRICS_GROUP_UNMATCHED=false and METRICS_DEFAULT=false leave out 404s and process metrics', async () => {
    const sut = await createTestApp({
      env: { METRICS_GROUP_UNMATCHED: 'false', METRICS_DEFAULT: 'false' },
    });
    apps.push(sut);
    expect((await request(`${sut.url}/no/such/route`)).status).toBe(404);
    await postJson(`${sut.url}/send-email`, { to: 'bad' });
    const text = await scrape(sut.url);
    expect(seriesOf(text, 'http_requests_total').map((s) => s.labels.handler)).toEqual([
      '/send-email',
    ]);
    expect(text).not.toContain('process_cpu_seconds_total');
    expect(text).not.toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('# TYPE email_sent_total counter');
  });

  it('METRICS_GROUP_STATUS=false reports exact status codes', async () => {
    const sut = await createTestApp({ env: { METRICS_GROUP_STATUS: 'false' } });
    apps.push(sut);
    await postJson(`${sut.url}/send-email`, { to: 'bad' });
    expect(valueOf(await scrape(sut.url), 'http_requests_total', { status: '400' })).toBe(1);
  });
});
