import type { Manifest } from '../support/manifests';
import { validateManifest } from '../support/manifests';
import { buildWithComponents } from '../support/kustomize-components';

type Obj = Manifest & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** k8s/components/smtp-ingress: the listener's port, Service and NetworkPolicy agree. */
describe('k8s component smtp-ingress', () => {
  const built = buildWithComponents(['network-policy', 'smtp-ingress']) as Obj[];
  const named = (kind: string, name: string) =>
    built.find((m) => m.kind === kind && m.metadata.name === name)!;
  const container = () => named('Deployment', 'mailwatch').spec.template.spec.containers[0];

  it('builds valid objects', () => {
    for (const manifest of built) validateManifest(manifest, `built ${manifest.kind}`);
  });

  it('listens where the container port says, with the TLS Secret mounted where the env points', () => {
    const ports = container().ports as Array<{ name: string; containerPort: number }>;
    const env = Object.fromEntries(
      (container().env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]),
    );
    expect(ports.find((p) => p.name === 'smtp')?.containerPort).toBe(Number(env.SMTP_INGRESS_PORT));
    const mount = (container().volumeMounts as Array<{ name: string; mountPath: string }>).find(
      (m) => m.name === 'smtp-tls',
    )!;
    expect(env.SMTP_INGRESS_TLS_CERT).toBe(`${mount.mountPath}/tls.crt`);
    expect(env.SMTP_INGRESS_TLS_KEY).toBe(`${mount.mountPath}/tls.key`);
    const volumes = named('Deployment', 'mailwatch').spec.template.spec.volumes as Array<{
      name: string;
      secret?: { secretName: string };
    }>;
    expect(volumes.find((v) => v.name === 'smtp-tls')?.secret?.secretName).toBe(
      'mailwatch-smtp-tls',
    );
  });

  it('exposes 587 and 25 on its own Service and admits the SMTP port through the NetworkPolicy', () => {
    const service = named('Service', 'mailwatch-smtp');
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ port: 587, targetPort: 'smtp' }),
      expect.objectContaining({ port: 25, targetPort: 'smtp' }),
    ]);
    const policy = named('NetworkPolicy', 'mailwatch-smtp');
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 'smtp', protocol: 'TCP' }]);
    // The API's own Service and policy are unchanged: SMTP is not reachable through them.
    expect(named('Service', 'mailwatch').spec.ports.map((p: { name: string }) => p.name)).toEqual([
      'http',
      'metrics',
    ]);
  });
});
