import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadRecordingRules, loadRuleSettings } from '../support/alert-rules';
import { knownSeriesNames } from '../support/app-contract';
import {
  allPanels,
  DASHBOARD_FILE,
  dashboardMetricNames,
  dashboardQueries,
  DashboardQuery,
  loadDashboard,
} from '../support/dashboard';
import { grafanaSchemaErrors } from '../support/grafana-schema';
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
    expect(JSON.stringify(client?.query)).toContain('email_sent_total');
  });

  it('narrows cluster → namespace → job → client, each variable filtered by the ones before', () => {
    const variables = loadDashboard().templating.list;
    const query = (name: string) =>
      JSON.stringify(variables.find((v) => v.name === name)?.query ?? '');

    expect(variables.map((v) => v.name)).toEqual([
      'datasource',
      'cluster',
      'namespace',
      'job',
      'client',
      'slo',
    ]);
    // a single-cluster Prometheus has no cluster label: "All" (.*) must still match
    expect(variables.find((v) => v.name === 'cluster')).toMatchObject({ allValue: '.*' });
    expect(variables.find((v) => v.name === 'namespace')).toMatchObject({ allValue: '.*' });
    expect(query('namespace')).toContain('cluster=~\\"$cluster\\"');
    expect(query('job')).toContain('namespace=~\\"$namespace\\"');
    expect(query('client')).toContain('job=~\\"$job\\"');
  });

  it('uses the SLO objective of config/alerts/settings.yml', () => {
    const slo = loadDashboard().templating.list.find((v) => v.name === 'slo');

    expect(slo).toMatchObject({ type: 'constant', hide: 2 });
    expect(Number(slo?.query)).toBe(loadRuleSettings().objective);
  });

  it('conforms to the Dashboard type of @grafana/schema', () => {
    expect(grafanaSchemaErrors(readFileSync(repoPath(DASHBOARD_FILE), 'utf8'))).toEqual([]);
  });

  it.each([
    [
      'an unknown field',
      (d: Record<string, unknown>) => ({ ...d, refreshEvery: '30s' }),
      /refreshEvery/,
    ],
    [
      'a wrong type',
      (d: Record<string, unknown>) => ({ ...d, editable: 'yes' }),
      /editable|boolean/,
    ],
    [
      'a threshold mode Grafana does not know',
      (d: Record<string, unknown>) =>
        JSON.parse(JSON.stringify(d).replace('"mode":"absolute"', '"mode":"absolut"')) as unknown,
      /absolut/,
    ],
  ])('the schema check rejects %s', (_, edit, message) => {
    const dashboard = JSON.parse(readFileSync(repoPath(DASHBOARD_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    const errors = grafanaSchemaErrors(JSON.stringify(edit(dashboard)));

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it('shows exemplars (example email ids) on every latency panel', () => {
    const latency = allPanels().filter((p) =>
      (p.targets ?? []).some((t) => t.expr.includes('email_send_duration_seconds_bucket')),
    );

    expect(latency.length).toBeGreaterThanOrEqual(4);
    for (const panel of latency)
      expect({ panel: panel.title, exemplar: panel.targets?.every((t) => t.exemplar) }).toEqual({
        panel: panel.title,
        exemplar: true,
      });
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
    ['RED rate', 'timeseries', /^Rate: /, /sum by \(namespace, job\) \(rate\(email_sent_total/],
    [
      'RED errors, rejections apart',
      'timeseries',
      /^Errors: /,
      /reason!="rejected"[\s\S]*reason="rejected"/,
    ],
    ['RED duration', 'timeseries', /^Duration: /, /histogram_quantile\(0\.95/],
    ['error budget remaining', 'stat', /^Error budget remaining/, /\[30d\][\s\S]*\/ \(1 - \$slo\)/],
    ['burn rate over 1h and 6h', 'timeseries', /burn rate/, /ratio_rate1h[\s\S]*ratio_rate6h/],
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

  it('shows the success rate against the SLO the alerts use', () => {
    const gauge = panelsOf('gauge')[0];

    expect(gauge.fieldConfig?.defaults).toMatchObject({ unit: 'percentunit', min: 0, max: 1 });
    expect(JSON.stringify(gauge.fieldConfig)).toContain(`"value":${loadRuleSettings().objective}`);
    expect(gauge.targets?.[0].expr).toContain('[10m]');
  });

  it('filters every query by cluster, namespace and job: no other deployment or app leaks in', () => {
    const targets = dashboardQueries().filter((q) => !q.panel.startsWith('variable'));
    const selector = 'cluster=~"$cluster", namespace=~"$namespace", job=~"$job"';

    const unfiltered = targets.filter(({ expr }) => {
      const selectors = [...expr.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
      return selectors.length === 0 || selectors.some((inner) => !inner.startsWith(selector));
    });

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

    it('uses only metrics the app, Prometheus or the SLI recording rules export', () => {
      const known = new Set([...knownSeriesNames(), ...loadRecordingRules().map((r) => r.record)]);
      const unknown = dashboardQueries().flatMap(({ panel, expr }) =>
        metricNamesIn(substituteGrafanaVariables(expr))
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
