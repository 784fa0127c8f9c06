import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARD_FILE, loadDashboard } from '../support/dashboard';
import { repoPath } from '../support/manifests';
import { metricNamesIn } from '../support/promql';

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
