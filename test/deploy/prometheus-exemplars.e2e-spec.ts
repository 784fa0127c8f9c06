import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { loadAlertRules, loadRecordingRules } from '../support/alert-rules';
import { repoPath } from '../support/manifests';
import { PrometheusServer } from '../support/prometheus-server';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, type TestApp } from '../support/test-app';

interface ShippedConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting?: unknown;
  scrape_configs: Array<{
    job_name: string;
    scrape_interval?: string;
    static_configs: Array<{ targets: string[] }>;
  }>;
}
interface Exemplars {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}
type RuleGroups = { groups: Array<{ rules: Array<{ name: string; health: string }> }> };

/**
 * config/prometheus.yml as shipped, pointed at the test app and sped up: its rule file, its
 * scrape job, and the same flag docs/monitoring.md and docker-compose.yml give Prometheus.
 */
function shippedConfigFor(target: string): string {
  const config = parse(readFileSync(repoPath('config/prometheus.yml'), 'utf8')) as ShippedConfig;
  config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = config.rule_files.map((file) => repoPath('config', file));
  delete config.alerting; // no Alertmanager here
  const [job] = config.scrape_configs;
  job.scrape_interval = '1s';
  job.static_configs = [{ targets: [target] }];
  return stringify(config);
}

const COMPOSE_FLAGS = () => {
  const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8')) as {
    services: { prometheus: { command: string[] } };
  };
  return compose.services.prometheus.command.filter((flag) => flag.startsWith('--enable-feature'));
};

describe('a real Prometheus with exemplar storage, the shipped config and rules', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    app = await createTestApp({
      env: { SMTP_URL: smtp.url, METRICS_CACHE_MS: '0', MAX_ATTEMPTS: '1' },
    });
    expect(COMPOSE_FLAGS()).toEqual(['--enable-feature=exemplar-storage']);
    prometheus = await PrometheusServer.startWith(
      shippedConfigFor(new URL(app.url).host),
      COMPOSE_FLAGS(),
    );
  });
  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
    await smtp?.stop();
  });

  const send = (client: string) =>
    postJson<{ id: string; status: string }>(
      `${app.url}/send-email`,
      { to: 'ada@example.com', subject: 'exemplar', text: 'hello' },
      { 'x-client-id': client },
    );

  it('stores the email_id exemplar of a real send and answers query_exemplars with it', async () => {
    const sent = await send('billing');
    expect(sent.body.status).toBe('sent');
    await smtp.waitForMessages(1);

    const deadline = Date.now() + 30_000;
    let found: Exemplars['exemplars'][number] | undefined;
    while (!found) {
      if (Date.now() > deadline) throw new Error(`no exemplar with email_id ${sent.body.id}`);
      const now = Date.now() / 1000;
      const series = await prometheus.api<Exemplars[]>(
        `query_exemplars?query=${encodeURIComponent('email_send_duration_seconds_bucket{job="email_service"}')}&start=${now - 300}&end=${now + 60}`,
      );
      found = series
        .filter((s) => s.seriesLabels.client === 'billing')
        .flatMap((s) => s.exemplars)
        .find((e) => e.labels.email_id === sent.body.id);
      if (!found) await new Promise((resolve) => setTimeout(resolve, 250));
    }

    expect(Number(found.value)).toBeGreaterThan(0);
    expect(Number(found.value)).toBeLessThan(10);
  });

  it('loads every rule, and the SLI leaves permanent rejections out of the budget', async () => {
    // Both series exist before the measured sends, so rate() sees increases, not births.
    const oneOfEach = async () => {
      expect((await send('crm')).body.status).toBe('sent');
      smtp.failNext(550, 'no such user');
      expect((await send('crm')).body.status).toBe('failed');
      await prometheus.waitForScrapes(2);
    };
    await oneOfEach();
    await oneOfEach();

    const groups = (await prometheus.api<RuleGroups>('rules')).groups;
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      [
        ...loadAlertRules().map((r) => r.alert),
        ...loadRecordingRules().map((r) => r.record),
      ].sort(),
    );

    // A rule evaluated between two scrapes of unchanged counters reads 0/0 (NaN), and one
    // evaluated before the last scrape reads part of the sends: wait, bounded, for the
    // evaluation that has them all, and assert on whatever the last one said.
    const settled = async (expr: string, done: (v: number) => boolean) => {
      const deadline = Date.now() + 20_000;
      let last = Number.NaN;
      for (;;) {
        const [sample] = await prometheus.query(expr);
        if (sample) last = Number(sample.value[1]);
        if (done(last) || Date.now() > deadline) return last;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    // one sent, one refused with a 5xx: no budget spent, half rejected
    const sli = 'mailwatch:email_sli_success:ratio_rate5m{client="crm"}';
    expect(await settled(sli, (v) => v === 1)).toBe(1);
    const rejected = 'mailwatch:email_rejected:ratio_rate1h{client="crm"}';
    expect(await settled(rejected, (v) => Math.abs(v - 0.5) < 1e-5)).toBeCloseTo(0.5, 5);
    expect(rules.every((r) => r.health !== 'err')).toBe(true);
  });
});
