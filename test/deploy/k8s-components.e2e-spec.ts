import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { K8S_DIR, parseEnvFile, validateManifest, type Manifest } from '../support/manifests';
import {
  baseManifests,
  buildWithComponents,
  kedaValidationError,
  loadComponent,
} from '../support/kustomize-components';

const COMPONENTS = [
  'keda-autoscaling',
  'network-policy',
  'release-label',
  'smtp-ingress',
  'zone-spread',
];
/** Replaces the Deployment the others patch: built on its own in k8s-spool.e2e-spec.ts. */
const EXCLUSIVE = ['spool'];

type Obj = Manifest & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const find = (manifests: Manifest[], kind: string) =>
  manifests.find((m) => m.kind === kind) as Obj | undefined;
const deployment = (manifests: Manifest[]) => find(manifests, 'Deployment')!;
const podLabels = () =>
  deployment(baseManifests()).spec.selector.matchLabels as Record<string, string>;

/** Validates what the build produced: Kubernetes and operator kinds here, KEDA in a child. */
function validated(manifests: Manifest[]): Manifest[] {
  for (const manifest of manifests) {
    if (manifest.apiVersion.startsWith('keda.sh/'))
      expect(kedaValidationError(manifest)).toBeUndefined();
    else validateManifest(manifest, `built ${manifest.kind}`);
  }
  return manifests;
}

describe('kustomize components (k8s/components/)', () => {
  it('ships exactly the documented components, each a kustomize Component', () => {
    const dirs = readdirSync(join(K8S_DIR, 'components'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);

    expect(dirs.sort()).toEqual([...COMPONENTS, ...EXCLUSIVE].sort());
    for (const name of [...COMPONENTS, ...EXCLUSIVE])
      expect(loadComponent(name)).toMatchObject({
        apiVersion: 'kustomize.config.k8s.io/v1alpha1',
        kind: 'Component',
      });
  });

  it('all together still build a valid set of objects', () => {
    const built = validated(buildWithComponents(COMPONENTS));

    expect(built.map((m) => m.kind).sort()).toEqual(
      [
        ...baseManifests()
          .map((m) => m.kind)
          .filter((k) => k !== 'HorizontalPodAutoscaler'),
        'NetworkPolicy',
        'ScaledObject',
        // smtp-ingress (test/ingress/k8s-smtp-ingress.e2e-spec.ts)
        'Service',
        'NetworkPolicy',
      ].sort(),
    );
  });

  it('release-label: kube-prometheus-stack selects the monitors; selectors stay as they are', () => {
    const built = validated(buildWithComponents(['release-label']));
    const labelled = built.filter((m) => m.metadata.labels?.release === 'kube-prometheus-stack');

    expect(labelled.map((m) => m.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    expect(deployment(built).spec.selector).toEqual(deployment(baseManifests()).spec.selector);
  });

  describe('network-policy', () => {
    const policy = () => find(validated(buildWithComponents(['network-policy'])), 'NetworkPolicy')!;
    const ports = (rule: { ports?: Array<{ port: number | string; protocol: string }> }) =>
      (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`);

    it('selects the mailwatch pods and restricts both directions', () => {
      expect(policy().spec.podSelector.matchLabels).toEqual(podLabels());
      expect(policy().spec.policyTypes).toEqual(['Ingress', 'Egress']);
    });

    it('admits client namespaces to the API port and monitoring to the metrics port only', () => {
      const containerPorts = (
        deployment(baseManifests()).spec.template.spec.containers[0].ports as Array<{
          name: string;
        }>
      ).map((p) => p.name);
      const [clients, monitoring] = policy().spec.ingress;

      expect(containerPorts).toEqual(expect.arrayContaining(['http', 'metrics']));
      expect(ports(clients)).toEqual(['TCP/http']);
      expect(clients.from[0].namespaceSelector.matchLabels).toEqual({
        'mailwatch.example.org/client': 'true',
      });
      expect(ports(monitoring)).toEqual(['TCP/metrics']);
      expect(monitoring.from[0].namespaceSelector.matchLabels).toEqual({
        'kubernetes.io/metadata.name': 'monitoring',
      });
    });

    it('lets the pods reach DNS, Redis and the relay at the ports they are configured with', () => {
      const egress = (policy().spec.egress as Array<Parameters<typeof ports>[0]>).flatMap(ports);
      const redis = new URL(
        parseEnvFile(readFileSync(join(K8S_DIR, 'mailwatch.env'), 'utf8')).REDIS_URL,
      );
      const secret = parse(readFileSync(join(K8S_DIR, 'secret.example.yaml'), 'utf8')) as {
        stringData: Record<string, string>;
      };
      const relay = new URL(secret.stringData['smtp-url']);

      expect(egress).toEqual(
        expect.arrayContaining([
          'UDP/53',
          'TCP/53',
          `TCP/${redis.port}`,
          `TCP/${relay.port}`,
          'TCP/465',
          'TCP/25',
        ]),
      );
      expect(egress).not.toContain('TCP/443');
    });
  });

  it('zone-spread: adds a zone constraint on the pod labels and keeps the node one', () => {
    const constraints = deployment(validated(buildWithComponents(['zone-spread']))).spec.template
      .spec.topologySpreadConstraints as Array<{
      topologyKey: string;
      labelSelector: { matchLabels: Record<string, string> };
    }>;

    expect(constraints.map((c) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    for (const constraint of constraints)
      expect(constraint.labelSelector.matchLabels).toEqual(podLabels());
  });

  describe('keda-autoscaling', () => {
    const built = () => validated(buildWithComponents(['keda-autoscaling']));
    const hpa = () => find(baseManifests(), 'HorizontalPodAutoscaler')!;

    it('replaces the HPA with a ScaledObject on the same Deployment and bounds', () => {
      const scaled = find(built(), 'ScaledObject')!;

      expect(find(built(), 'HorizontalPodAutoscaler')).toBeUndefined();
      expect(scaled.spec.scaleTargetRef).toEqual(hpa().spec.scaleTargetRef);
      expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([
        hpa().spec.minReplicas,
        hpa().spec.maxReplicas,
      ]);
    });

    it('scales on the deployment-wide backlog (max, not sum) and on CPU like the HPA', () => {
      const [backlog, cpu] = find(built(), 'ScaledObject')!.spec.triggers;

      expect(backlog.type).toBe('prometheus');
      expect(backlog.metadata.query).toMatch(
        /^max by \(namespace, job\) \(email_queue_size\{namespace="mailwatch", job="mailwatch"\}\)$/,
      );
      expect(Number(backlog.metadata.threshold)).toBeGreaterThan(0);
      expect(cpu).toMatchObject({
        type: 'cpu',
        metricType: 'Utilization',
        metadata: { value: String(hpa().spec.metrics[0].resource.target.averageUtilization) },
      });
    });
  });

  describe('the checks can fail', () => {
    it('KEDA validation rejects a replica count given as a string', () => {
      const scaled = find(buildWithComponents(['keda-autoscaling']), 'ScaledObject')!;

      expect(
        kedaValidationError({ ...scaled, spec: { ...scaled.spec, minReplicaCount: '2' } }),
      ).toMatch(/minReplicaCount must be integer/);
    });

    it('a patch whose path does not exist is an error, not a no-op', () => {
      const base = baseManifests().map((m) => (m.kind === 'Deployment' ? { ...m, spec: {} } : m));

      expect(() => buildWithComponents(['zone-spread'], base)).toThrow(/patch path/);
    });

    it('a NetworkPolicy with a port of the wrong type is rejected', () => {
      const policy = find(buildWithComponents(['network-policy']), 'NetworkPolicy')!;
      const broken = structuredClone(policy);
      broken.spec.ingress[0].ports[0].protocol = 42;

      expect(() => validateManifest(broken)).toThrow(/NetworkPolicy mailwatch is invalid/);
    });
  });
});
