import { createTestApp, postJson, type TestApp } from '../support/test-app';
import { PrometheusServer } from '../support/prometheus-server';
import { TestSmtpServer } from '../support/smtp-server';

const SUCCESS_RATE =
  'sum(rate(email_sent_total{status="success"}[5m])) by (client) / sum(rate(email_sent_total[5m])) by (client)';
const P95 =
  'histogram_quantile(0.95, sum(rate(email_send_duration_seconds_bucket[5m])) by (le, client))';
const BACKLOG = 'email_queue_size > 100';

const byClient = (results: Array<{ metric: Record<string, string>; value: [number, string] }>) =>
  Object.fromEntries(results.map((r) => [r.metric.client, Number(r.value[1])]));

describe('a real Prometheus scraping the service: the original queries', () => {
  let smtp: TestSmtpServer;
  let sut: TestApp;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    sut = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        METRICS_CACHE_MS: '0',
        SMTP_TIMEOUT_MS: '20000',
      },
    });
    prometheus = await PrometheusServer.start(new URL(sut.url).host);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await sut.close();
    await smtp.stop();
  });

  const send = (client: string, subject = 'x', headers: Record<string, string> = {}) =>
    postJson(
      `${sut.url}/send-email`,
      { to: 'a@example.com', subject, text: 'x' },
      { 'x-client-id': client, ...headers },
    );

  it('success rate and p95 by client, and the backlog alert expression', async () => {
    // Every series exists before the measured window, so rate() sees increases, not births.
    await send('alpha');
    await send('beta');
    smtp.failNext(550, 'rejected');
    expect((await send('beta')).status).toBe(422);
    await prometheus.waitForScrapes(2);

    for (let i = 0; i < 4; i++) expect((await send('alpha')).status).toBe(200);
    smtp.failNext(550, 'rejected', 2);
    for (let i = 0; i < 2; i++) expect((await send('beta')).status).toBe(422);
    // Two slow deliveries for beta: held by the server for ~0.6 s.
    smtp.stall(true);
    const slow = [send('beta'), send('beta')];
    await new Promise((resolve) => setTimeout(resolve, 600));
    smtp.stall(false);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    await prometheus.waitForScrapes(2);

    const rate = byClient(await prometheus.query(SUCCESS_RATE));
    expect(rate.alpha).toBeCloseTo(1, 5);
    expect(rate.beta).toBeCloseTo(0.5, 5);

    const p95 = byClient(await prometheus.query(P95));
    // Fast deliveries land in the lowest buckets (≤ 0.5 s even on a loaded machine) …
    expect(p95.alpha).toBeGreaterThan(0);
    expect(p95.alpha).toBeLessThanOrEqual(0.5);
    // … the held ones in (0.5, 1].
    expect(p95.beta).toBeGreaterThan(0.5);
    expect(p95.beta).toBeLessThanOrEqual(1);

    expect(await prometheus.query(BACKLOG)).toEqual([]);
    smtp.stall(true);
    const queued = await Promise.all(
      Array.from({ length: 120 }, () => send('gamma', 'q', { prefer: 'respond-async' })),
    );
    expect(queued.every((r) => r.status === 202)).toBe(true);
    await prometheus.waitForScrapes(2);
    const backlog = await prometheus.query(BACKLOG);
    expect(backlog).toHaveLength(1);
    expect(Number(backlog[0].value[1])).toBe(120);
    smtp.stall(false);
    await smtp.waitForMessages(6 + 120 + 1);
  });
});
