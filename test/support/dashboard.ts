import { readFileSync } from 'node:fs';
import { metricNamesIn, substituteGrafanaVariables } from './promql';
import { repoPath } from './manifests';

export const DASHBOARD_FILE = 'config/grafana/mailwatch-dashboard.json';

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  format?: string;
  exemplar?: boolean;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
  fieldConfig?: { defaults?: { unit?: string; min?: number; max?: number } };
  options?: Record<string, unknown>;
}

export interface DashboardVariable {
  name: string;
  type: string;
  query?: string | { query: string };
  definition?: string;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  id: number | null;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(repoPath(DASHBOARD_FILE), 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard = loadDashboard()): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
}

/** Every PromQL query of the dashboard: panel targets and query variables. */
export function dashboardQueries(dashboard: Dashboard = loadDashboard()): DashboardQuery[] {
  const targets = allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      refId: target.refId,
      expr: target.expr,
    })),
  );
  const variables = dashboard.templating.list.flatMap((variable) => {
    if (variable.type !== 'query') return [];
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    // label_values(<selector>, label) is Grafana's, not PromQL; its selector is PromQL.
    const selector = query?.match(/^label_values\((.*),\s*\w+\)$/)?.[1];
    return selector === undefined
      ? []
      : [{ panel: `variable ${variable.name}`, refId: variable.name, expr: selector }];
  });
  return [...targets, ...variables];
}

/**
 * Metric names the dashboard queries, sorted. Exported for the scrape test that compares
 * them with a real /metrics response.
 */
export function dashboardMetricNames(dashboard: Dashboard = loadDashboard()): string[] {
  const names = new Set(
    dashboardQueries(dashboard).flatMap(({ expr }) =>
      metricNamesIn(substituteGrafanaVariables(expr)),
    ),
  );
  return [...names].sort();
}
