import { parseAppConfig } from '../../src/config/app.config';
import type { Environment } from '../../src/config/env-reader';
import { parseMailConfig } from '../../src/config/mail.config';
import { parseMetricsConfig } from '../../src/config/metrics.config';
import { parseQueueConfig } from '../../src/config/queue.config';
import { validateEnvironment } from '../../src/config/validate-all';
import { APP_CONTRACT } from '../support/app-contract';
import { generatedConfigMap, loadManifest } from '../support/manifests';

interface ExampleSecret {
  stringData: Record<string, string>;
}

/**
 * The environment a pod gets: the image's NODE_ENV, the ConfigMap, the example Secret's
 * placeholders as mapped by the Deployment, and METRICS_AUTH as the kubelet expands it.
 */
function podEnvironment(): Environment {
  const secret = loadManifest<ExampleSecret>('secret.example.yaml', 'Secret').stringData;
  return {
    // set by the Dockerfile's runtime stage
    NODE_ENV: 'production',
    ...generatedConfigMap('mailwatch-config').data,
    SMTP_URL: secret['smtp-url'],
    API_KEYS: secret['api-keys'],
    METRICS_AUTH: `${secret['metrics-username']}:${secret['metrics-password']}`,
  };
}

/** Parses a namespace as the app would inside the pod. */
function inPod<T>(parse: (env: Environment) => T): T {
  return parse(podEnvironment());
}

describe('The app configuration the Kubernetes manifests produce', () => {
  it('passes the app’s own start-up validation', () => {
    expect(() => inPod(validateEnvironment)).not.toThrow();
  });

  it('would be refused at start-up if a value were wrong (the check is real)', () => {
    expect(() => validateEnvironment({ ...podEnvironment(), METRICS_PORT: 'metrics' })).toThrow(
      /METRICS_PORT/,
    );
  });

  it('serves the API on the port the probes and Service use', () => {
    const app = inPod(parseAppConfig);

    expect(app.port).toBe(APP_CONTRACT.apiPort);
    expect(app.host).toBe('0.0.0.0');
  });

  it('drains for the time terminationGracePeriodSeconds was sized for', () => {
    expect(inPod(parseAppConfig).shutdownDrainMs).toBe(25_000);
  });

  it('serves /metrics on its own port, behind the basic auth the ServiceMonitor sends', () => {
    const metrics = inPod(parseMetricsConfig);

    expect(metrics.enabled).toBe(true);
    expect(metrics.port).toBe(APP_CONTRACT.metricsPort);
    expect(metrics.auth).toEqual({ user: 'prometheus', password: 'CHANGE_ME' });
    expect(metrics.excludedPaths).toEqual(
      expect.arrayContaining([APP_CONTRACT.livenessPath, APP_CONTRACT.readinessPath]),
    );
  });

  it('writes the outbox into the mounted emptyDir and queues through Redis', () => {
    expect(inPod(parseMailConfig).outboxDir).toBe('/app/var/outbox');
    expect(inPod(parseQueueConfig).driver).toBe('redis');
  });
});
