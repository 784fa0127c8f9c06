import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EXPECTED_ALERTS, loadAlertRules, loadRecordingRules } from '../support/alert-rules';
import { APP_CONTRACT } from '../support/app-contract';
import { repoPath } from '../support/manifests';
import { promtool } from '../support/promtool';

const AMTOOL = process.env.AMTOOL ?? 'amtool';

describe('Prometheus configuration (config/prometheus.yml)', () => {
  interface PrometheusConfig {
    global: { scrape_interval: string };
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      scrape_interval?: string;
      metrics_path?: string;
      static_configs: Array<{ targets: string[] }>;
    }>;
  }
  const config = () =>
    parse(readFileSync(repoPath('config/prometheus.yml'), 'utf8')) as PrometheusConfig;

  it('passes `promtool check config`, rule files included', () => {
    const result = promtool(['check', 'config', repoPath('config/prometheus.yml')]);

    expect(result.output).toContain('is valid prometheus config file syntax');
    expect(result.output).toContain(
      `SUCCESS: ${loadAlertRules().length + loadRecordingRules().length} rules found`,
    );
    expect(result.status).toBe(0);
  });

  it('scrapes the app as job email_service every 5s at /metrics on localhost:3000', () => {
    const job = config().scrape_configs.find((c) => c.job_name === 'email_service');

    expect(config().global.scrape_interval).toBe('15s');
    expect(job).toMatchObject({
      scrape_interval: '5s',
      metrics_path: APP_CONTRACT.metricsPath,
      static_configs: [{ targets: [`localhost:${APP_CONTRACT.apiPort}`] }],
    });
    expect(APP_CONTRACT.prometheusJobs).toContain(job?.job_name);
  });

  it('loads the single alert rules file', () => {
    expect(config().rule_files).toEqual(['alerts/mailwatch.rules.yml']);
  });
});

describe('Alertmanager example (config/alertmanager.yml)', () => {
  interface Route {
    receiver: string;
    matchers?: string[];
    routes?: Route[];
  }
  interface AlertmanagerConfig {
    route: Route & { group_by: string[] };
    receivers: Array<{
      name: string;
      webhook_configs?: Array<{ url: string }>;
      email_configs?: Array<{ to: string }>;
    }>;
    inhibit_rules: Array<{
      source_matchers: string[];
      target_matchers: string[];
      equal: string[];
    }>;
  }
  const text = () => readFileSync(repoPath('config/alertmanager.yml'), 'utf8');
  const config = () => parse(text()) as AlertmanagerConfig;
  const receiverFor = (severity: string) => {
    const route = config().route.routes?.find((r) =>
      r.matchers?.includes(`severity="${severity}"`),
    );
    return config().receivers.find((r) => r.name === route?.receiver);
  };

  it('pages critical alerts through a webhook and email', () => {
    const receiver = receiverFor('critical');

    expect(receiver?.webhook_configs?.length).toBeGreaterThan(0);
    expect(receiver?.email_configs?.length).toBeGreaterThan(0);
  });

  it('sends warnings to a different, chat webhook', () => {
    const warning = receiverFor('warning');

    expect(warning?.webhook_configs?.length).toBeGreaterThan(0);
    expect(warning?.name).not.toBe(receiverFor('critical')?.name);
  });

  it('routes only to receivers it defines', () => {
    const names = new Set(config().receivers.map((r) => r.name));
    const routed = [config().route, ...(config().route.routes ?? [])].map((r) => r.receiver);

    for (const receiver of routed) expect(names).toContain(receiver);
  });

  it('contains placeholder endpoints only', () => {
    const urls = [...text().matchAll(/https?:\/\/([^/'"\s]+)/g)].map((match) => match[1]);
    const addresses = [...text().matchAll(/[\w.+-]+@([\w.-]+)/g)].map((match) => match[1]);

    expect(urls.length).toBeGreaterThan(0);
    for (const host of [...urls, ...addresses]) expect(host).toMatch(/(^|\.)example\.(com|org)$/);
  });

  it('passes `amtool check-config`', () => {
    const result = spawnSync(AMTOOL, ['check-config', repoPath('config/alertmanager.yml')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.error) throw new Error(`amtool missing (apt-get install prometheus-alertmanager)`);

    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('keeps deployments apart: groups and inhibits by cluster, namespace and job', () => {
    const deployment = ['cluster', 'namespace', 'job'];

    expect(config().route.group_by).toEqual(expect.arrayContaining(deployment));
    for (const rule of config().inhibit_rules)
      expect(rule.equal).toEqual(expect.arrayContaining(deployment));
  });

  it('inhibits by alert names that exist', () => {
    const named = config()
      .inhibit_rules.flatMap((rule) => [...rule.source_matchers, ...rule.target_matchers])
      .flatMap((matcher) => /^alertname=~?"(.+)"$/.exec(matcher)?.[1].split('|') ?? []);

    expect(named.length).toBeGreaterThan(0);
    for (const alert of named) expect(EXPECTED_ALERTS).toContain(alert);
  });
});
