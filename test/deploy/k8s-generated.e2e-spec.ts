import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  DASHBOARD_CONFIGMAP_FILE,
  DASHBOARD_KEY,
  DASHBOARD_SOURCE,
  GENERATED,
  PROMETHEUS_RULE_FILE,
  REGENERATE,
  RULES_SOURCE,
  writeGeneratedManifests,
} from '../support/generated-manifests';
import { loadManifest, repoPath } from '../support/manifests';

interface PrometheusRuleManifest {
  spec: { groups: unknown[] };
}
interface ConfigMapManifest {
  metadata: { labels: Record<string, string> };
  data: Record<string, string>;
}

describe('Manifests generated from the monitoring sources', () => {
  beforeAll(() => {
    // The regeneration entry point: like `jest -u` for snapshots.
    if (process.env.UPDATE_GENERATED === '1') writeGeneratedManifests();
  });

  it.each(GENERATED.map(({ file, render }) => [file, render] as const))(
    '%s is exactly what its generator renders from the source',
    (file, render) => {
      const committed = readFileSync(repoPath(file), 'utf8');
      if (committed !== render()) {
        throw new Error(`${file} is out of date with its source. Run: ${REGENERATE}`);
      }
      expect(committed).toBe(render());
    },
  );

  describe('the PrometheusRule', () => {
    it(`carries the same rule groups as ${RULES_SOURCE}, so Kubernetes alerts like plain Prometheus`, () => {
      const source = parse(readFileSync(repoPath(RULES_SOURCE), 'utf8')) as { groups: unknown[] };
      const rule = loadManifest<PrometheusRuleManifest>('prometheusrule.yaml', 'PrometheusRule');

      expect(rule.spec.groups).toEqual(source.groups);
      expect(rule.spec.groups.length).toBeGreaterThan(0);
    });

    it('starts with a do-not-edit header naming its source', () => {
      expect(readFileSync(repoPath(PROMETHEUS_RULE_FILE), 'utf8')).toMatch(
        new RegExp(`^# GENERATED from ${RULES_SOURCE}`),
      );
    });
  });

  describe('the dashboard ConfigMap', () => {
    const configMap = () => loadManifest<ConfigMapManifest>('grafana-dashboard.yaml', 'ConfigMap');

    it(`holds ${DASHBOARD_SOURCE} unchanged`, () => {
      const source: unknown = JSON.parse(readFileSync(repoPath(DASHBOARD_SOURCE), 'utf8'));
      const shipped: unknown = JSON.parse(configMap().data[DASHBOARD_KEY]);

      expect(shipped).toEqual(source);
    });

    it('carries the label the Grafana sidecar discovers dashboards by', () => {
      expect(configMap().metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    });

    it('stays far below the 256 KiB that client-side `kubectl apply` can annotate', () => {
      // kubectl apply stores the whole object in an annotation limited to 256 KiB.
      expect(Buffer.byteLength(readFileSync(repoPath(DASHBOARD_CONFIGMAP_FILE)))).toBeLessThan(
        200 * 1024,
      );
    });
  });
});
