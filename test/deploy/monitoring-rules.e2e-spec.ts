import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  alertRule,
  loadAlertRules,
  loadRuleUnitTests,
  normalizePromql,
  RULE_TESTS_FILE,
  RULES_FILE,
  RUNBOOK_FILE,
  runbookAnchors,
} from '../support/alert-rules';
import { APP_CONTRACT, EMAIL_DURATION_BUCKETS, knownSeriesNames } from '../support/app-contract';
import { repoPath } from '../support/manifests';
import { metricNamesIn } from '../support/promql';
import { promtool } from '../support/promtool';

const EXPECTED_ALERTS = [
  'MailwatchQueueBacklog',
  'MailwatchSuccessRateBelowSLO',
  'MailwatchSendLatencyHigh',
  'MailwatchRetriesSurging',
  'MailwatchTargetDown',
  'MailwatchAbsent',
];

/** A scratch copy of config/alerts with one rule edited, to prove the unit tests notice. */
function withMutatedRules(edit: (rules: string) => string, run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-rules-'));
  try {
    const original = readFileSync(repoPath(RULES_FILE), 'utf8');
    const mutated = edit(original);
    expect(mutated).not.toBe(original);
    writeFileSync(join(dir, 'mailwatch.rules.yml'), mutated);
    mkdirSync(join(dir, 'tests'));
    copyFileSync(repoPath(RULE_TESTS_FILE), join(dir, 'tests', 'mailwatch.test.yml'));
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Alert rules (config/alerts/mailwatch.rules.yml)', () => {
  it('pass `promtool check rules`', () => {
    const result = promtool(['check', 'rules', repoPath(RULES_FILE)]);

    expect(result.output).toContain(`SUCCESS: ${EXPECTED_ALERTS.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('pass their `promtool test rules` unit tests', () => {
    const result = promtool(['test', 'rules', repoPath(RULE_TESTS_FILE)]);

    expect(result.output).toMatch(/SUCCESS/);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.status).toBe(0);
  });

  it('define exactly the alerts the runbook and docs describe', () => {
    expect(loadAlertRules().map((rule) => rule.alert)).toEqual(EXPECTED_ALERTS);
  });

  it.each(EXPECTED_ALERTS)('%s is unit-tested both firing and staying quiet', (alert) => {
    const cases = loadRuleUnitTests().tests.flatMap((test) =>
      (test.alert_rule_test ?? []).filter((c) => c.alertname === alert),
    );

    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });

  describe.each(loadAlertRules().map((rule) => [rule.alert, rule] as const))('%s', (_, rule) => {
    it('has a severity routed by Alertmanager and a hold time', () => {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.for).toMatch(/^\d+m$/);
    });

    it('explains itself with summary, description and a runbook section that exists', () => {
      expect(rule.annotations.summary).toEqual(expect.any(String));
      expect(rule.annotations.description.length).toBeGreaterThan(40);
      const url = new URL(rule.annotations.runbook_url);
      expect(url.pathname.endsWith(`/${RUNBOOK_FILE}`)).toBe(true);
      expect(runbookAnchors()).toContain(url.hash.slice(1));
      expect(url.hash.slice(1)).toBe(rule.alert.toLowerCase());
    });

    it('only queries metrics the app (or Prometheus) exports', () => {
      const unknown = metricNamesIn(rule.expr).filter((name) => !knownSeriesNames().has(name));

      expect(metricNamesIn(rule.expr).length).toBeGreaterThan(0);
      expect(unknown).toEqual([]);
    });
  });

  describe('keep the contract queries', () => {
    it('queue backlog: email_queue_size > 100 for 5m', () => {
      const rule = alertRule('MailwatchQueueBacklog');

      expect(normalizePromql(rule.expr)).toBe('email_queue_size > 100');
      expect(rule.for).toBe('5m');
    });

    it('success rate: the per-client ratio over 10m below 95 %', () => {
      const expr = normalizePromql(alertRule('MailwatchSuccessRateBelowSLO').expr);

      expect(expr).toContain(
        'sum(rate(email_sent_total{status="success"}[10m])) by (client) / sum(rate(email_sent_total[10m])) by (client)',
      );
      expect(expr).toContain('< 0.95');
    });

    it('latency: p95 of email_send_duration_seconds per client above a threshold', () => {
      const expr = normalizePromql(alertRule('MailwatchSendLatencyHigh').expr);

      expect(expr).toMatch(
        /^histogram_quantile\(0\.95, sum\(rate\(email_send_duration_seconds_bucket\[5m\]\)\) by \(le, client\)\) > \d+(\.\d+)?$/,
      );
    });

    it('latency: the threshold is a bucket boundary the quantile can actually exceed', () => {
      const threshold = Number(/> ([\d.]+)$/.exec(alertRule('MailwatchSendLatencyHigh').expr)?.[1]);

      // histogram_quantile interpolates up to the largest finite bucket and never beyond it
      expect(EMAIL_DURATION_BUCKETS).toContain(threshold);
      expect(threshold).toBeLessThan(Math.max(...EMAIL_DURATION_BUCKETS));
    });

    it('target down and absent: match the job in plain Prometheus and in Kubernetes', () => {
      const jobs = APP_CONTRACT.prometheusJobs.join('|');

      expect(alertRule('MailwatchTargetDown').expr).toBe(`up{job=~"${jobs}"} == 0`);
      expect(alertRule('MailwatchAbsent').expr).toBe(`absent(up{job=~"${jobs}"} == 1)`);
    });
  });

  describe('the checks can fail', () => {
    it('promtool check rules rejects an expression that does not parse', () => {
      withMutatedRules(
        (rules) => rules.replace('expr: email_queue_size > 100', 'expr: email_queue_size >'),
        (dir) => {
          const result = promtool(['check', 'rules', join(dir, 'mailwatch.rules.yml')]);

          expect(result.status).not.toBe(0);
          expect(result.output).toMatch(/FAILED|parse error/i);
        },
      );
    });

    it.each([
      [
        'a raised backlog threshold',
        'email_queue_size > 100',
        'email_queue_size > 1000',
        'MailwatchQueueBacklog',
      ],
      [
        'a success-rate rule blind to clients that never succeeded',
        /\n\s+or\n\s+0 \* \(.*\)\n/,
        '\n',
        'MailwatchSuccessRateBelowSLO',
      ],
      [
        'absent() that only sees vanished targets',
        'absent(up{job=~"email_service|mailwatch"} == 1)',
        'absent(up{job=~"email_service|mailwatch"})',
        'MailwatchAbsent',
      ],
    ] as const)('the unit tests catch %s', (_, from, to, alert) => {
      withMutatedRules(
        (rules) => rules.replace(from, to),
        (dir) => {
          const result = promtool(['test', 'rules', join(dir, 'tests', 'mailwatch.test.yml')]);

          expect(result.status).not.toBe(0);
          expect(result.output).toContain('FAILED');
          expect(result.output).toContain(`alertname: ${alert}`);
        },
      );
    });
  });
});

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
    expect(result.output).toContain(`SUCCESS: ${EXPECTED_ALERTS.length} rules found`);
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
    route: Route;
    receivers: Array<{
      name: string;
      webhook_configs?: Array<{ url: string }>;
      email_configs?: Array<{ to: string }>;
    }>;
    inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[] }>;
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

  it('inhibits by alert names that exist', () => {
    const named = config()
      .inhibit_rules.flatMap((rule) => [...rule.source_matchers, ...rule.target_matchers])
      .flatMap((matcher) => /^alertname="(.+)"$/.exec(matcher)?.[1] ?? []);

    expect(named.length).toBeGreaterThan(0);
    for (const alert of named) expect(EXPECTED_ALERTS).toContain(alert);
  });
});
