import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { renderAlertRules, RULES_FILE } from './alert-rules';
import { repoPath } from './manifests';

/**
 * Kubernetes manifests generated from the monitoring sources in config/. Kustomize refuses
 * to read files outside k8s/, so the manifests are committed and a test checks they still
 * match their source: edit config/, then `UPDATE_GENERATED=1 npx jest test/k8s-generated`.
 */

export const RULES_SOURCE = 'config/alerts/mailwatch.rules.yml';
export const DASHBOARD_SOURCE = 'config/grafana/mailwatch-dashboard.json';
export const PROMETHEUS_RULE_FILE = 'k8s/prometheusrule.yaml';
export const DASHBOARD_CONFIGMAP_FILE = 'k8s/grafana-dashboard.yaml';
export const DASHBOARD_KEY = 'mailwatch-dashboard.json';

const REGENERATE = 'UPDATE_GENERATED=1 npx jest test/deploy/k8s-generated.e2e-spec.ts';

function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mailwatch',
    'app.kubernetes.io/instance': 'mailwatch',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'mailwatch',
    'app.kubernetes.io/version': '0.1.0',
    'app.kubernetes.io/managed-by': 'kustomize',
  };
}

function header(source: string): string {
  return `# GENERATED from ${source} — do not edit. Change the source, then run\n#   ${REGENERATE}\n`;
}

export function renderPrometheusRule(): string {
  const rules = parse(readFileSync(repoPath(RULES_SOURCE), 'utf8')) as { groups: unknown[] };
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'mailwatch', labels: labels('monitoring') },
    spec: { groups: rules.groups },
  };
  return header(RULES_SOURCE) + stringify(manifest, { lineWidth: 0 });
}

export function renderDashboardConfigMap(): string {
  const dashboard = readFileSync(repoPath(DASHBOARD_SOURCE), 'utf8');
  const manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'mailwatch-grafana-dashboard',
      // The Grafana sidecar (kube-prometheus-stack, grafana chart) loads ConfigMaps with this label.
      labels: { ...labels('monitoring'), grafana_dashboard: '1' },
      annotations: { grafana_folder: 'Mailwatch' },
    },
    data: { [DASHBOARD_KEY]: dashboard },
  };
  return header(DASHBOARD_SOURCE) + stringify(manifest, { lineWidth: 0 });
}

/** In dependency order: the PrometheusRule is rendered from the freshly written rules file. */
export const GENERATED: ReadonlyArray<{ file: string; render: () => string }> = [
  { file: RULES_FILE, render: () => renderAlertRules() },
  { file: PROMETHEUS_RULE_FILE, render: renderPrometheusRule },
  { file: DASHBOARD_CONFIGMAP_FILE, render: renderDashboardConfigMap },
];

/** Rewrites every generated manifest from its source. */
export function writeGeneratedManifests(): void {
  for (const { file, render } of GENERATED) writeFileSync(repoPath(file), render());
}

export { REGENERATE };
