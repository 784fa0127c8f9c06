import { dirname } from 'node:path';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { parseAppConfig } from '../../src/config/app.config';
import { parseQueueConfig } from '../../src/config/queue.config';
import { validateEnvironment } from '../../src/config/validate-all';
import { baseManifests, buildWithComponents, loadComponent } from '../support/kustomize-components';
import {
  generatedConfigMap,
  loadManifest,
  validateManifest,
  type Manifest,
} from '../support/manifests';

/** k8s/components/spool: one replica with the spool on a PersistentVolume, built on the base. */
const built = (names = ['spool']) =>
  buildWithComponents(names).map((m) => validateManifest(m, `built ${m.kind}`));
const statefulSet = (manifests: Manifest[] = built()) =>
  manifests.find((m) => m.kind === 'StatefulSet') as unknown as IStatefulSet;

/** The pod's environment: the base ConfigMap, then the container's own env on top. */
function podEnv(): Record<string, string> {
  const container = statefulSet().spec!.template.spec!.containers[0];
  const literal = Object.fromEntries(
    (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
  // The example Secret supplies the relay and keys, as for the Deployment (k8s-app-config).
  const secret = loadManifest<{ stringData: Record<string, string> }>(
    'secret.example.yaml',
    'Secret',
  ).stringData;
  return {
    NODE_ENV: 'production',
    ...generatedConfigMap('mailwatch-config').data,
    SMTP_URL: secret['smtp-url'],
    API_KEYS: secret['api-keys'],
    ...literal,
  };
}

describe('k8s/components/spool (single replica, spool on a PersistentVolume)', () => {
  it('replaces the Deployment and HPA with its StatefulSet; everything else stays', () => {
    const kinds = built()
      .map((m) => m.kind)
      .sort();

    expect(loadComponent('spool')).toMatchObject({
      kind: 'Component',
      resources: ['statefulset.yaml'],
    });
    expect(kinds).toEqual(
      [
        ...baseManifests()
          .map((m) => m.kind)
          .filter((k) => k !== 'Deployment' && k !== 'HorizontalPodAutoscaler'),
        'StatefulSet',
      ].sort(),
    );
  });

  it('combines with release-label and network-policy', () => {
    const kinds = built(['spool', 'release-label', 'network-policy']).map((m) => m.kind);

    expect(kinds).toEqual(expect.arrayContaining(['StatefulSet', 'NetworkPolicy']));
  });

  it('runs exactly one replica, keeps its volume, and stores the spool on it', () => {
    const sut = statefulSet();
    const pod = sut.spec!.template.spec!;
    const mounts = pod.containers[0].volumeMounts ?? [];
    const claim = sut.spec!.volumeClaimTemplates![0];
    const spoolPath = parseQueueConfig(podEnv()).spoolPath;

    expect(sut.spec!.replicas).toBe(1);
    // kustomize links the generated (hashed) ConfigMap only within one namespace.
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
});
