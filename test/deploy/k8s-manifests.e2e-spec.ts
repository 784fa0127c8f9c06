import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import { APP_CONTRACT } from '../support/app-contract';
import {
  generatedConfigMap,
  K8S_DIR,
  loadKustomization,
  loadManifest,
  loadManifests,
  Manifest,
  validateManifest,
} from '../support/manifests';

/** Narrows an optional field, failing with its name instead of a TypeError later. */
function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing ${what}`);
  return value;
}

const deployment = () => loadManifest<IDeployment>('deployment.yaml', 'Deployment');
const podSpec = () => required(deployment().spec?.template.spec, 'pod spec');
const container = () => {
  const containers = podSpec().containers;
  expect(containers).toHaveLength(1);
  return containers[0];
};
const service = () => loadManifest<IService>('service.yaml', 'Service');
const serviceMonitor = () => loadManifest<IServiceMonitor>('servicemonitor.yaml', 'ServiceMonitor');
const hpa = () => loadManifest<IHorizontalPodAutoscaler>('hpa.yaml', 'HorizontalPodAutoscaler');
const pdb = () => loadManifest<IPodDisruptionBudget>('pdb.yaml', 'PodDisruptionBudget');
const exampleSecret = () => loadManifest<ISecret>('secret.example.yaml', 'Secret');
const appConfigMap = () => generatedConfigMap('mailwatch-config');

const SELECTOR_LABELS = {
  'app.kubernetes.io/name': 'mailwatch',
  'app.kubernetes.io/instance': 'mailwatch',
};

function namedPort(name: string): number {
  const port = (container().ports ?? []).find((p) => p.name === name);
  return required(port, `container port named ${name}`).containerPort;
}

/** Parses Kubernetes memory quantities we use (Mi/Gi) into MiB. */
function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (match === null) throw new Error(`unexpected memory quantity ${String(quantity)}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

describe('Kubernetes manifests (k8s/)', () => {
  describe('kustomization.yaml', () => {
    const resources = () => required(loadKustomization().resources, 'resources');

    it('lists only files that exist, each valid against its Kubernetes or operator schema', () => {
      for (const file of resources()) {
        expect(existsSync(join(K8S_DIR, file))).toBe(true);
        expect(loadManifests(file).length).toBeGreaterThan(0);
      }
    });

    it('ships every required kind', () => {
      const kinds = resources().flatMap((file) => loadManifests(file).map((m) => m.kind));

      expect(kinds).toEqual(
        expect.arrayContaining([
          'Deployment',
          'Service',
          'ServiceAccount',
          'HorizontalPodAutoscaler',
          'PodDisruptionBudget',
          'ServiceMonitor',
          'PrometheusRule',
          'ConfigMap',
        ]),
      );
    });

    it('builds its configMapGenerator ConfigMaps from files that exist', () => {
      const generators = required(loadKustomization().configMapGenerator, 'configMapGenerator');

      expect(generators.map((g) => g.name)).toContain('mailwatch-config');
      for (const generator of generators) {
        for (const file of [...(generator.files ?? []), ...(generator.envs ?? [])]) {
          const path = join(K8S_DIR, file.replace(/^[^=]+=/, ''));
          expect({ file, exists: existsSync(path) }).toEqual({ file, exists: true });
        }
        expect(Object.keys(generatedConfigMap(generator.name).data).length).toBeGreaterThan(0);
      }
    });

    it('leaves no manifest in k8s/ unlisted except the example Secret', () => {
      const listed = new Set(resources());
      const unlisted = readdirSync(K8S_DIR)
        .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
        .filter((file) => !listed.has(file));

      expect(unlisted).toEqual(['secret.example.yaml']);
    });

    it('never applies the example Secret, which would overwrite real credentials', () => {
      expect(resources()).not.toContain('secret.example.yaml');
      expect(loadKustomization().secretGenerator).toBeUndefined();
    });

    it('pins the image to the version the manifests are labelled with, never latest', () => {
      const image = required(loadKustomization().images?.[0], 'images[0]');
      const version = deployment().metadata?.labels?.['app.kubernetes.io/version'];

      expect(container().image).toBe(`${image.name}:${image.newTag}`);
      expect(image.newTag).toBe(version);
      expect(image.newTag).not.toBe('latest');
    });
  });

  describe('schema validation', () => {
    const valid = () =>
      parse(readFileSync(join(K8S_DIR, 'deployment.yaml'), 'utf8')) as IDeployment;

    it('accepts the shipped Deployment', () => {
      expect(validateManifest(valid(), 'deployment').kind).toBe('Deployment');
    });

    it('rejects a Deployment whose replicas is a string', () => {
      const broken = valid();
      (broken.spec as unknown as Record<string, unknown>).replicas = '2';

      expect(() => validateManifest(broken, 'broken')).toThrow(/replicas must be integer/);
    });

    it('rejects a container without a name', () => {
      const broken = valid();
      const [first] = required(broken.spec?.template.spec, 'pod spec').containers;
      delete (first as unknown as Record<string, unknown>).name;

      expect(() => validateManifest(broken, 'broken')).toThrow(
        /containers\/0 must have required property name/,
      );
    });

    it('rejects a ServiceMonitor scrape interval Prometheus cannot parse', () => {
      const broken = parse(
        readFileSync(join(K8S_DIR, 'servicemonitor.yaml'), 'utf8'),
      ) as IServiceMonitor;
      required(broken.spec.endpoints?.[0], 'endpoint').interval = 'every 15 seconds';

      expect(() => validateManifest(broken, 'broken')).toThrow(/interval must match pattern/);
    });

    it('rejects kinds it has no schema for instead of waving them through', () => {
      const unknownKind = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } };

      expect(() => validateManifest(unknownKind, 'typo')).toThrow(
        /no schema for apps\/v1 Deploymnet/,
      );
    });
  });

  describe('labels', () => {
    const everyManifest = (): Manifest[] => [
      ...required(loadKustomization().resources, 'resources').flatMap((file) =>
        loadManifests(file),
      ),
      ...loadManifests('secret.example.yaml'),
    ];

    it('puts the app.kubernetes.io/* recommended labels on every resource', () => {
      const recommended: Record<string, string> = {
        ...SELECTOR_LABELS,
        'app.kubernetes.io/part-of': 'mailwatch',
        'app.kubernetes.io/managed-by': 'kustomize',
      };
      const missing = everyManifest().flatMap((manifest) => {
        const labels = manifest.metadata.labels ?? {};
        const wrong = Object.keys(recommended).filter((key) => labels[key] !== recommended[key]);
        if (!/^(api|monitoring)$/.test(labels['app.kubernetes.io/component'] ?? '')) {
          wrong.push('app.kubernetes.io/component');
        }
        return wrong.map((key) => `${manifest.kind}/${manifest.metadata.name}: ${key}`);
      });

      expect(everyManifest().length).toBeGreaterThanOrEqual(9);
      expect(missing).toEqual([]);
    });

    it('selects pods by name and instance only, which the pod template carries', () => {
      const podLabels = required(deployment().spec?.template.metadata?.labels, 'pod labels');
      const selectors = [
        deployment().spec?.selector.matchLabels,
        service().spec?.selector,
        pdb().spec?.selector?.matchLabels,
        podSpec().topologySpreadConstraints?.[0].labelSelector?.matchLabels,
      ];

      for (const selector of selectors) {
        // version and component change between releases; a selector is immutable.
        expect(selector).toEqual(SELECTOR_LABELS);
      }
      expect(podLabels).toMatchObject(SELECTOR_LABELS);
    });
  });

  describe('Deployment', () => {
    it('runs 2 replicas, the HPA minimum', () => {
      expect(deployment().spec?.replicas).toBe(2);
      expect(hpa().spec?.minReplicas).toBe(deployment().spec?.replicas);
    });

    it(`probes liveness on ${APP_CONTRACT.livenessPath} and readiness on ${APP_CONTRACT.readinessPath} at the API port`, () => {
      const { livenessProbe, readinessProbe, startupProbe } = container();

      expect(livenessProbe?.httpGet?.path).toBe(APP_CONTRACT.livenessPath);
      expect(startupProbe?.httpGet?.path).toBe(APP_CONTRACT.livenessPath);
      expect(readinessProbe?.httpGet?.path).toBe(APP_CONTRACT.readinessPath);
      for (const probe of [livenessProbe, readinessProbe, startupProbe]) {
        expect(probe?.httpGet?.port).toBe('http');
      }
      expect(namedPort('http')).toBe(APP_CONTRACT.apiPort);
    });

    it('listens where the ConfigMap tells the app to listen', () => {
      const env = appConfigMap().data;

      expect(Number(env.PORT)).toBe(namedPort('http'));
      expect(Number(env.METRICS_PORT)).toBe(namedPort('metrics'));
      expect(namedPort('metrics')).toBe(APP_CONTRACT.metricsPort);
      expect(env.HOST).toBe('0.0.0.0');
    });

    it('reads its settings from the generated ConfigMap', () => {
      const names = (container().envFrom ?? []).map((source) => source.configMapRef?.name);

      expect(names).toContain('mailwatch-config');
    });

    it('gives SIGTERM time for the preStop pause plus the whole drain before SIGKILL', () => {
      const preStop = required(container().lifecycle?.preStop?.exec?.command, 'preStop exec');
      expect(preStop[0]).toBe('sleep');
      const preStopSeconds = Number(preStop[1]);
      const drainSeconds = Number(appConfigMap().data.SHUTDOWN_DRAIN_MS) / 1000;
      const grace = required(
        podSpec().terminationGracePeriodSeconds,
        'terminationGracePeriodSeconds',
      );

      expect(preStopSeconds).toBeGreaterThan(0);
      expect(drainSeconds).toBe(25);
      expect(grace).toBeGreaterThan(preStopSeconds + drainSeconds);
      expect(grace).toBe(40);
    });

    it('runs as a non-root numeric user with a read-only root filesystem and no capabilities', () => {
      const pod = required(podSpec().securityContext, 'pod securityContext');
      const securityContext = required(container().securityContext, 'container securityContext');

      expect(pod.runAsNonRoot).toBe(true);
      // the kubelet rejects runAsNonRoot with the image's non-numeric `USER node` otherwise
      expect(pod.runAsUser).toBeGreaterThan(0);
      expect(pod.seccompProfile?.type).toBe('RuntimeDefault');
      expect(securityContext.readOnlyRootFilesystem).toBe(true);
      expect(securityContext.allowPrivilegeEscalation).toBe(false);
      expect(securityContext.capabilities?.drop).toEqual(['ALL']);
      expect(securityContext.capabilities?.add).toBeUndefined();
      expect(securityContext.privileged).not.toBe(true);
    });

    it('mounts writable emptyDirs exactly where the app writes: the outbox and /tmp', () => {
      const volumes = new Map((podSpec().volumes ?? []).map((v) => [v.name, v]));
      const mounts = new Map(
        (container().volumeMounts ?? []).map((mount) => [mount.mountPath, mount.name]),
      );
      const outboxDir = appConfigMap().data.OUTBOX_DIR;

      // OUTBOX_DIR=./var/outbox resolves against the image's WORKDIR /app
      expect(['/app/var/outbox', './var/outbox']).toContain(outboxDir);
      for (const path of ['/app/var/outbox', '/tmp']) {
        const volume = volumes.get(required(mounts.get(path), `volume mounted at ${path}`));
        expect(volume?.emptyDir).toBeDefined();
        expect(volume?.emptyDir?.sizeLimit).toBeDefined();
      }
    });

    it('requests CPU (the HPA scales on it) and limits memory above the V8 heap cap', () => {
      const resources = required(container().resources, 'resources');
      const heapCap = /--max-old-space-size=(\d+)/.exec(appConfigMap().data.NODE_OPTIONS ?? '');

      expect(resources.requests?.cpu).toBeDefined();
      expect(resources.requests?.memory).toBeDefined();
      expect(resources.limits?.memory).toBeDefined();
      expect(mebibytes(resources.limits?.memory)).toBeGreaterThan(
        Number(required(heapCap, 'NODE_OPTIONS --max-old-space-size')[1]),
      );
      expect(mebibytes(resources.requests?.memory)).toBeLessThanOrEqual(
        mebibytes(resources.limits?.memory),
      );
    });

    it('takes every secret from keys the example Secret documents', () => {
      const secretName = exampleSecret().metadata?.name;
      const documentedKeys = Object.keys(required(exampleSecret().stringData, 'stringData'));
      const refs = (container().env ?? []).flatMap((v) =>
        v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef] : [],
      );

      expect(refs.length).toBeGreaterThanOrEqual(4);
      for (const ref of refs) {
        expect(ref.name).toBe(secretName);
        expect(documentedKeys).toContain(ref.key);
      }
      const secretEnv = (container().env ?? []).map((v) => v.name);
      expect(secretEnv).toEqual(expect.arrayContaining(['SMTP_URL', 'API_KEYS', 'METRICS_AUTH']));
    });

    it('joins METRICS_AUTH from variables defined before it, as $(VAR) expansion requires', () => {
      const env = container().env ?? [];
      const auth = required(
        env.find((v) => v.name === 'METRICS_AUTH'),
        'METRICS_AUTH',
      );
      const position = (name: string) => env.findIndex((v) => v.name === name);

      expect(auth.value).toBe('$(METRICS_USERNAME):$(METRICS_PASSWORD)');
      expect(position('METRICS_USERNAME')).toBeGreaterThanOrEqual(0);
      expect(position('METRICS_USERNAME')).toBeLessThan(position('METRICS_AUTH'));
      expect(position('METRICS_PASSWORD')).toBeLessThan(position('METRICS_AUTH'));
    });
  });

  describe('ConfigMap (mailwatch.env)', () => {
    it('holds no secrets: those come from the Secret', () => {
      const keys = Object.keys(appConfigMap().data);

      expect(keys).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(SMTP_URL|API_KEYS|METRICS_AUTH)$/)]),
      );
      expect(Object.values(appConfigMap().data).join('\n')).not.toMatch(/:\/\/[^/\s]*:[^@\s]*@/);
    });

    it('keeps the health and metrics routes out of the HTTP metrics', () => {
      expect(appConfigMap().data.METRICS_EXCLUDED_PATHS?.split(',')).toEqual(
        expect.arrayContaining([
          APP_CONTRACT.livenessPath,
          APP_CONTRACT.readinessPath,
          APP_CONTRACT.metricsPath,
        ]),
      );
    });

    it('uses the redis driver, so replicas share one queue, with Redis referenced not bundled', () => {
      const env = appConfigMap().data;
      const kinds = required(loadKustomization().resources, 'resources').flatMap((file) =>
        loadManifests(file).map((m) => `${m.kind}/${m.metadata.name}`),
      );

      expect(env.QUEUE_DRIVER).toBe('redis');
      expect(env.REDIS_URL).toMatch(/^rediss?:\/\//);
      expect(kinds.filter((k) => /redis/i.test(k))).toEqual([]);
    });
  });

  describe('Service', () => {
    it('exposes the API port and a port named "metrics" onto the matching container ports', () => {
      const ports = new Map((service().spec?.ports ?? []).map((p) => [p.name, p]));

      expect(ports.get('http')).toMatchObject({ port: APP_CONTRACT.apiPort, targetPort: 'http' });
      expect(ports.get('metrics')).toMatchObject({
        port: APP_CONTRACT.metricsPort,
        targetPort: 'metrics',
      });
      expect(namedPort('metrics')).toBe(APP_CONTRACT.metricsPort);
    });

    it('is named as the Prometheus job the alert rules accept', () => {
      expect(APP_CONTRACT.prometheusJobs).toContain(service().metadata?.name);
    });
  });

  describe('ServiceMonitor', () => {
    const endpoint = () => {
      const endpoints = required(serviceMonitor().spec.endpoints, 'endpoints');
      expect(endpoints).toHaveLength(1);
      return endpoints[0];
    };

    it(`scrapes the Service's "metrics" port at ${APP_CONTRACT.metricsPath}`, () => {
      const servicePorts = (service().spec?.ports ?? []).map((p) => p.name);

      expect(endpoint().port).toBe('metrics');
      expect(servicePorts).toContain(endpoint().port);
      expect(endpoint().path).toBe(APP_CONTRACT.metricsPath);
      expect(endpoint().interval).toMatch(/^\d+s$/);
    });

    it('selects the mailwatch Service by its labels', () => {
      expect(service().metadata?.labels).toMatchObject(
        required(serviceMonitor().spec.selector.matchLabels, 'selector.matchLabels'),
      );
    });

    it('authenticates with the Secret keys the app builds METRICS_AUTH from', () => {
      const basicAuth = required(endpoint().basicAuth, 'basicAuth');
      const keys = Object.keys(required(exampleSecret().stringData, 'stringData'));

      expect(basicAuth.username).toEqual({
        name: exampleSecret().metadata?.name,
        key: APP_CONTRACT.metricsUsernameKey,
      });
      expect(basicAuth.password).toEqual({
        name: exampleSecret().metadata?.name,
        key: APP_CONTRACT.metricsPasswordKey,
      });
      expect(keys).toEqual(
        expect.arrayContaining([APP_CONTRACT.metricsUsernameKey, APP_CONTRACT.metricsPasswordKey]),
      );
    });
  });

  describe('HorizontalPodAutoscaler and PodDisruptionBudget', () => {
    it('scale the mailwatch Deployment between 2 and more replicas on CPU', () => {
      const spec = required(hpa().spec, 'hpa spec');

      expect(spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment().metadata?.name,
      });
      expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas ?? 1);
      expect(spec.metrics?.[0].resource?.name).toBe('cpu');
    });

    it('let a node drain evict a pod even at the minimum replica count', () => {
      const spec = required(pdb().spec, 'pdb spec');
      const minReplicas = required(hpa().spec?.minReplicas, 'minReplicas');
      const allowed =
        spec.maxUnavailable !== undefined
          ? Number(spec.maxUnavailable)
          : minReplicas - Number(spec.minAvailable);

      expect(allowed).toBeGreaterThanOrEqual(1);
      expect(allowed).toBeLessThan(minReplicas);
    });
  });

  describe('example Secret', () => {
    it('holds placeholders only, never a real credential', () => {
      const secret = exampleSecret();
      const values = required(secret.stringData, 'stringData');

      expect(secret.data).toBeUndefined();
      const real = Object.entries(values)
        // a user name is not a secret
        .filter(([key]) => key !== APP_CONTRACT.metricsUsernameKey)
        .filter(([, value]) => !value.includes('CHANGE_ME'))
        .map(([key]) => key);

      expect(Object.keys(values).length).toBeGreaterThanOrEqual(4);
      expect(real).toEqual([]);
      expect(values['smtp-url']).toMatch(/^smtps?:\/\/[^@]+@smtp\.example\.com:\d+$/);
    });

    it('has a metrics user name the app can split from the password', () => {
      expect(exampleSecret().stringData?.[APP_CONTRACT.metricsUsernameKey]).toMatch(/^[^:]+$/);
    });
  });
});
