import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { knownSeriesNames } from '../support/app-contract';
import {
  allPanels,
  DASHBOARD_FILE,
  dashboardMetricNames,
  dashboardQueries,
  DashboardQuery,
  loadDashboard,
} from '../support/dashboard';
import { repoPath } from '../support/manifests';
import { metricNamesIn, substituteGrafanaVariables } from '../support/promql';
import { promtool } from '../support/promtool';

/**
 * Checks PromQL with promtool by writing each query as a recording rule: promtool has no
 * "parse this expression" command, but it parses every rule of a rules file.
 */
function checkPromql(queries: DashboardQuery[]) {
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-dashboard-'));
  try {
    const file = join(dir, 'dashboard-queries.rules.yml');
    const rules = queries.map((query, index) => ({
      record: `dashboard:query_${index}`,
      expr: substituteGrafanaVariables(query.expr),
    }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    return promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const panelsOf = (type: string) => allPanels().filter((panel) => panel.type === type);

describe('Grafana dashboard (config/grafana/mailwatch-dashboard.json)', () => {
  it('is provisionable: a fixed uid and title, no instance-specific id', () => {
    const dashboard = loadDashboard();

    expect(dashboard.uid).toBe('mailwatch');
    expect(dashboard.title).toBe('Mailwatch');
    expect(dashboard.id).toBeNull();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('gives every panel a unique id and a place on the grid', () => {
    const panels = allPanels();
    const ids = panels.map((panel) => panel.id);

    expect(new Set(ids).size).toBe(ids.length);
    for (const { gridPos } of panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      expect(gridPos.h).toBeGreaterThan(0);
    }
  });

  it('reads from the data source chosen in its `datasource` variable', () => {
    for (const panel of allPanels().filter((p) => p.type !== 'row')) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid).toBe('${datasource}');
    }
  });

  it('offers a multi-select `client` variable whose "All" matches every client', () => {
    const client = loadDashboard().templating.list.find((v) => v.name === 'client');

    expect(client).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*' });
    expect(client?.definition).toContain('email_sent_total');
  });

  it.each([
    ['emails sent', 'timeseries', /^Emails sent$/, /email_sent_total/],
    ['success rate', 'gauge', /^Success rate/, /status="success"/],
    ['send duration', 'heatmap', /^Send duration$/, /email_send_duration_seconds_bucket/],
    ['queue length', 'stat', /^Queue length$/, /email_queue_size/],
    ['per-client breakdown', 'timeseries', /per client/, /by \(client/],
    ['p50/p95/p99', 'timeseries', /p50 \/ p95 \/ p99/, /histogram_quantile\(0\.99/],
    ['retries', 'timeseries', /^Retries/, /email_retries_total/],
    ['HTTP request rate', 'timeseries', /^HTTP request rate$/, /http_requests_total/],
    ['HTTP errors', 'timeseries', /^HTTP error/, /status="5xx"/],
    ['HTTP latency', 'timeseries', /^HTTP latency/, /http_request_duration_seconds_bucket/],
    ['process memory', 'timeseries', /^Memory$/, /process_resident_memory_bytes/],
    ['event-loop lag', 'timeseries', /^Event-loop lag$/, /nodejs_eventloop_lag/],
  ] as const)('shows %s as a %s panel', (_, type, title, query) => {
    const panel = panelsOf(type).find((p) => title.test(p.title));

    expect(panel?.title).toMatch(title);
    expect((panel?.targets ?? []).map((t) => t.expr).join('\n')).toMatch(query);
  });

  it('draws the send-duration heatmap from pre-bucketed histogram data', () => {
    const [heatmap] = panelsOf('heatmap');

    expect(heatmap.options?.calculate).toBe(false);
    expect(heatmap.targets?.[0].format).toBe('heatmap');
    expect(heatmap.targets?.[0].expr).toMatch(/sum by \(le\)/);
  });

  it('shows the success rate against the 95 % SLO the alert uses', () => {
    const gauge = panelsOf('gauge')[0];

    expect(gauge.fieldConfig?.defaults).toMatchObject({ unit: 'percentunit', min: 0, max: 1 });
    expect(JSON.stringify(gauge.fieldConfig)).toContain('"value":0.95');
    expect(gauge.targets?.[0].expr).toContain('[10m]');
  });

  it('filters every query by the `job` variable, so other Node apps do not leak in', () => {
    const targets = dashboardQueries().filter((q) => !q.panel.startsWith('variable job'));

    const unfiltered = targets.filter(({ expr }) => !expr.includes('job=~"$job"'));

    expect(targets.length).toBeGreaterThan(20);
    expect(unfiltered).toEqual([]);
  });

  it('applies the `client` variable to every query of a metric with a client label', () => {
    const clientMetrics = /email_sent_total|email_send_duration_seconds_bucket/;
    const exprs = dashboardQueries()
      .filter((q) => !q.panel.startsWith('variable'))
      .map((q) => q.expr)
      .filter((expr) => clientMetrics.test(expr));

    expect(exprs.length).toBeGreaterThan(5);
    for (const expr of exprs) expect(expr).toContain('client=~"$client"');
  });

  describe('PromQL', () => {
    it('every query parses (checked by promtool)', () => {
      const queries = dashboardQueries();
      const result = checkPromql(queries);

      expect(queries.length).toBeGreaterThan(20);
      expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(result.status).toBe(0);
    });

    it('the parse check rejects a broken query', () => {
      const result = checkPromql([
        {
          panel: 'broken',
          refId: 'A',
          expr: 'sum(rate(email_sent_total{job=~"$job"}[$__rate_interval])',
        },
      ]);

      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/parse error|unclosed|FAILED/i);
    });

    it('uses only metrics the app or Prometheus export', () => {
      const known = knownSeriesNames();
      const unknown = dashboardQueries().flatMap(({ panel, expr }) =>
        metricNamesIn(expr)
          .filter((name) => !known.has(name))
          .map((name) => `${panel}: ${name}`),
      );

      expect(unknown).toEqual([]);
    });

    it('covers the email, HTTP and process metric families', () => {
      expect(dashboardMetricNames()).toEqual(
        expect.arrayContaining([
          'email_sent_total',
          'email_queue_size',
          'email_queue_jobs',
          'email_send_duration_seconds_bucket',
          'email_send_attempts_total',
          'email_retries_total',
          'email_failures_total',
          'http_requests_total',
          'http_request_duration_seconds_bucket',
          'http_requests_inprogress',
          'process_resident_memory_bytes',
          'nodejs_eventloop_lag_p99_seconds',
          'up',
        ]),
      );
    });
  });
});

describe('metricNamesIn (PromQL metric-name extraction)', () => {
  it.each([
    ['email_queue_size > 100', ['email_queue_size']],
    [
      'histogram_quantile(0.95, sum(rate(email_send_duration_seconds_bucket{le!="1e-9"}[5m])) by (le, client))',
      ['email_send_duration_seconds_bucket'],
    ],
    [
      'sum by (reason) (rate(email_retries_total[5m])) / ignoring(reason) group_left sum(rate(email_send_attempts_total[5m] offset 1h))',
      ['email_retries_total', 'email_send_attempts_total'],
    ],
    ['absent(up{job=~"email_service|mailwatch"} == 1) and on() vector(1)', ['up']],
    ['{__name__="up", job="mailwatch"}', ['up']],
  ] as const)('finds the metrics in %s', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });
});

describe('Grafana provisioning (config/grafana/provisioning/)', () => {
  interface DashboardProviders {
    apiVersion: number;
    providers: Array<{ type: string; folder?: string; options: { path: string } }>;
  }
  interface Datasources {
    apiVersion: number;
    datasources: Array<{ type: string; uid: string; url: string }>;
  }
  const dashboards = () =>
    parse(
      readFileSync(repoPath('config/grafana/provisioning/dashboards/mailwatch.yml'), 'utf8'),
    ) as DashboardProviders;
  const datasources = () =>
    parse(
      readFileSync(repoPath('config/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as Datasources;

  it('loads dashboards from a file provider path', () => {
    const [provider] = dashboards().providers;

    expect(dashboards().apiVersion).toBe(1);
    expect(provider.type).toBe('file');
    expect(provider.options.path).toMatch(/^\//);
    expect(basename(DASHBOARD_FILE)).toMatch(/\.json$/);
  });

  it('defines a Prometheus data source the `datasource` variable can pick', () => {
    const variable = loadDashboard().templating.list.find((v) => v.name === 'datasource');

    expect(datasources().apiVersion).toBe(1);
    expect(datasources().datasources[0].type).toBe(variable?.query);
    expect(datasources().datasources[0].url).toMatch(/^http:\/\/localhost:9090$/);
  });
});
