import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { parse } from 'yaml';
import { parseAppConfig } from '../../src/config/app.config';
import { parseQueueConfig } from '../../src/config/queue.config';
import { validateEnvironment } from '../../src/config/validate-all';
import { generatedConfigMap, K8S_DIR, loadManifest } from '../support/manifests';

/** The kustomize component that runs one replica with the spool on a PersistentVolume. */
const COMPONENT = join(K8S_DIR, 'components', 'spool');

interface Component {
  apiVersion: string;
  kind: string;
  resources: string[];
  patches: Array<{ patch: string }>;
  configMapGenerator: Array<{ name: string; behavior: string; literals: string[] }>;
}

const component = () =>
  parse(readFileSync(join(COMPONENT, 'kustomization.yaml'), 'utf8')) as Component;
const statefulSet = (): IStatefulSet => {
  const object = parse(readFileSync(join(COMPONENT, 'statefulset.yaml'), 'utf8')) as IStatefulSet;
  new StatefulSet(object).validate();
  return object;
};
/** The pod's environment: the base ConfigMap with the component's literals merged over it. */
const podEnv = () => {
  const literals = component().configMapGenerator[0].literals.map((l) => l.split(/=(.*)/s));
  return {
    NODE_ENV: 'production',
    ...generatedConfigMap('mailwatch-config').data,
    ...Object.fromEntries(literals.map(([k, v]) => [k, v])),
  };
};

describe('k8s/components/spool (single replica, spool on a PersistentVolume)', () => {
  it('is a kustomize Component that swaps the Deployment and HPA for its StatefulSet', () => {
    const sut = component();
    const deleted = sut.patches.map(
      (p) => parse(p.patch) as { $patch: string; kind: string; metadata: { name: string } },
    );

    expect(sut).toMatchObject({
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
    });
    expect(sut.resources).toEqual(['statefulset.yaml']);
    expect(deleted.map((d) => [d.$patch, d.kind, d.metadata.name])).toEqual([
      ['delete', 'Deployment', 'mailwatch'],
      ['delete', 'HorizontalPodAutoscaler', 'mailwatch'],
    ]);
    expect(sut.configMapGenerator[0]).toMatchObject({
      name: 'mailwatch-config',
      behavior: 'merge',
    });
  });

  it('runs exactly one replica, keeps its volume, and stores the spool on it', () => {
    const sut = statefulSet();
    const pod = sut.spec!.template.spec!;
    const mounts = pod.containers[0].volumeMounts ?? [];
    const claim = sut.spec!.volumeClaimTemplates![0];
    const spoolPath = parseQueueConfig(podEnv()).spoolPath;

    expect(sut.spec!.replicas).toBe(1);
    expect(sut.metadata!.namespace).toBe('mailwatch');
    expect(sut.spec!.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    expect(claim.spec!.accessModes).toEqual(['ReadWriteOnce']);
    expect(mounts).toContainEqual({ name: claim.metadata!.name, mountPath: dirname(spoolPath) });
    expect(pod.containers[0].securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it('configures the app for the spool, and the app accepts that configuration', () => {
    const env = podEnv();

    expect(() => validateEnvironment(env)).not.toThrow();
    expect(parseQueueConfig(env)).toMatchObject({ driver: 'spool', spoolSynchronous: 'full' });
  });

  it('gives the pod time to drain and close before the kubelet kills it', () => {
    const pod = statefulSet().spec!.template.spec!;
    const drainMs = parseAppConfig(podEnv()).shutdownDrainMs;
    const preStopSeconds = 5;
    const closeBoundSeconds = 5;

    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStopSeconds + drainMs / 1000 + closeBoundSeconds,
    );
  });

  it('keeps the base on Redis (the Deployment the component replaces)', () => {
    expect(loadManifest<{ kind: string }>('deployment.yaml', 'Deployment').kind).toBe('Deployment');
    expect(generatedConfigMap('mailwatch-config').data.QUEUE_DRIVER).toBe('redis');
  });
});
