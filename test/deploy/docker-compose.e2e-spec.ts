import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { validateEnvironment } from '../../src/config/validate-all';
import { loadAlertRules, loadRecordingRules } from '../support/alert-rules';
import { repoPath } from '../support/manifests';
import { AppProcess, buildApp } from '../support/app-process';
import { request } from '../support/test-app';
import { promtool } from '../support/promtool';
import { TestSmtpServer } from '../support/smtp-server';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
}
const compose = () =>
  parse(readFileSync(repoPath('docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };
const service = (name: string) => compose().services[name];
const mounts = (name: string) =>
  (service(name).volumes ?? []).map((volume) => {
    const [source, target, mode] = volume.split(':');
    return { source: repoPath(source), target, mode };
  });

/** The service's bind mounts copied under a scratch root, to run checks on what it sees. */
function staged<T>(name: string, run: (root: string) => T): T {
  const root = mkdtempSync(join(tmpdir(), `mailwatch-compose-${name}-`));
  try {
    for (const { source, target } of mounts(name))
      cpSync(source, join(root, target), { recursive: true });
    return run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Environment variables the app reads: the names its config loaders pass to EnvReader. */
function appEnvNames(): Set<string> {
  const dir = repoPath('src', 'config');
  const text = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
  return new Set([...text.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]));
}

const hostPort = (name: string, containerPort: number) =>
  (service(name).ports ?? [])
    .map((p) => p.split(':').map(Number))
    .find(([, inner]) => inner === containerPort)?.[0];

describe('docker-compose.yml (the one-command demo stack)', () => {
  it('runs the app, Redis, Mailpit, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(compose().services).sort()).toEqual(
      ['alertmanager', 'app', 'grafana', 'mailpit', 'prometheus', 'redis'].sort(),
    );
    expect(service('app').build).toBe('.');
    expect(statSync(repoPath('Dockerfile')).isFile()).toBe(true);
  });

  it('pins every image to a version and depends only on services it defines', () => {
    for (const [name, s] of Object.entries(compose().services)) {
      if (s.image)
        expect({ name, image: s.image }).toEqual({
          name,
          image: expect.stringMatching(/^[\w./-]+:v?\d+(\.\d+)+(-\w+)?$/),
        });
      for (const dependency of s.depends_on ?? [])
        expect(compose().services).toHaveProperty(dependency);
    }
  });

  it('publishes the documented ports once each', () => {
    const published = Object.values(compose().services)
      .flatMap((s) => s.ports ?? [])
      .map((p) => p.split(':')[0]);

    expect(new Set(published).size).toBe(published.length);
    expect([
      hostPort('app', 3000),
      hostPort('mailpit', 8025),
      hostPort('prometheus', 9090),
    ]).toEqual([3000, 8025, 9090]);
    expect([hostPort('alertmanager', 9093), hostPort('grafana', 3000)]).toEqual([9093, 3001]);
  });

  it('passes the app’s start-up validation as the image runs it (NODE_ENV=production)', () => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      ...(service('app').environment ?? {}),
    };
    expect(() => validateEnvironment(env)).not.toThrow();
    // The demo is an open relay on purpose; production refuses that unless told.
    const { ALLOW_OPEN_RELAY: _accepted, ...withoutConsent } = env;
    expect(() => validateEnvironment(withoutConsent)).toThrow(/API_KEYS/);
  });

  it('runs a Redis that keeps every job (noeviction) and current image lines', () => {
    const redis = service('redis').command ?? [];

    expect(redis.slice(redis.indexOf('--maxmemory-policy'))[1]).toBe('noeviction');
    const major = (name: string) => Number(/:v?(\d+)/.exec(service(name).image ?? '')?.[1]);
    expect(major('prometheus')).toBeGreaterThanOrEqual(3); // 3.x is the LTS line
    expect(major('grafana')).toBeGreaterThanOrEqual(12);
    expect(service('mailpit').image).not.toMatch(/:v1\.(1\d|2[0-4])\./); // chaos mode: 1.25+
  });

  it('Grafana\'s "Open this email" link opens an email the demo command sent', async () => {
    await buildApp();
    const header = readFileSync(repoPath('docker-compose.yml'), 'utf8').split('\nname:')[0];
    const curl = header.slice(header.indexOf('curl -s localhost:3000/send-email'));
    const body = /-d '([^']+)'/.exec(curl)![1];
    const headers = Object.fromEntries(
      [...curl.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    );
    const smtp = await TestSmtpServer.start();
    const { SMTP_URL: _s, REDIS_URL: _r, QUEUE_DRIVER: _q, ...env } = service('app').environment!;
    const app = await AppProcess.start({
      ...env,
      NODE_ENV: 'production',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      QUEUE_DRIVER: 'memory',
    });
    try {
      const sent = await request(`${app.url}/send-email`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      expect(sent.status).toBe(200);
      const id = (sent.body as { id: string }).id;
      // What Grafana opens: the link's URL with the exemplar's email_id, no headers.
      const link = 'http://localhost:3000/emails/$${__value.raw}'
        .replace('http://localhost:3000', app.url)
        .replace('$${__value.raw}', id);
      const opened = await request(link);

      expect(opened.status).toBe(200);
      expect(opened.body).toMatchObject({ id, status: 'sent' });
    } finally {
      await app.stop();
      await smtp.stop();
    }
  }, 240_000);

  it('configures the app only with variables it reads, pointing at the services', () => {
    const env = service('app').environment ?? {};
    const unknown = Object.keys(env).filter((name) => !appEnvNames().has(name));

    expect(appEnvNames().size).toBeGreaterThan(40);
    expect(unknown).toEqual([]);
    expect(new URL(env.SMTP_URL)).toMatchObject({ hostname: 'mailpit', port: '1025' }); // Mailpit's SMTP port
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
    expect(env.QUEUE_DRIVER).toBe('redis');
    expect(new URL(env.GRAFANA_URL).port).toBe(String(hostPort('grafana', 3000)));
  });

  it('mounts only files and directories that exist, read-only', () => {
    const all = Object.keys(compose().services).flatMap(mounts);

    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const { source, mode } of all) {
      expect(statSync(source, { throwIfNoEntry: false })).toBeDefined();
      expect({ source, mode }).toEqual({ source, mode: 'ro' });
    }
  });

  describe('Prometheus', () => {
    it('stores exemplars', () => {
      expect(service('prometheus').command).toContain('--enable-feature=exemplar-storage');
    });

    it('sees a valid config with every rule, scraping the app service as the rules expect', () => {
      const result = staged('prometheus', (root) =>
        promtool(['check', 'config', join(root, 'etc/prometheus/prometheus.yml')]),
      );
      const config = parse(readFileSync(repoPath('config/compose/prometheus.yml'), 'utf8')) as {
        scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
        alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      };

      expect(result.output).toContain(
        `SUCCESS: ${loadAlertRules().length + loadRecordingRules().length} rules found`,
      );
      expect(result.status).toBe(0);
      expect(config.scrape_configs[0]).toMatchObject({
        job_name: 'email_service',
        static_configs: [{ targets: ['app:3000'] }],
      });
      expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
        'alertmanager:9093',
      ]);
    });
  });

  it('Alertmanager sees a valid config that mails alerts to Mailpit', () => {
    const result = staged('alertmanager', (root) =>
      spawnSync('amtool', ['check-config', join(root, 'etc/alertmanager/alertmanager.yml')], {
        encoding: 'utf8',
      }),
    );
    const config = parse(readFileSync(repoPath('config/compose/alertmanager.yml'), 'utf8')) as {
      global: { smtp_smarthost: string };
    };

    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
    expect(config.global.smtp_smarthost).toBe('mailpit:1025');
  });

  it('Grafana provisions the dashboard where its provider looks, on the compose Prometheus', () => {
    staged('grafana', (root) => {
      const providers = parse(
        readFileSync(join(root, 'etc/grafana/provisioning/dashboards/mailwatch.yml'), 'utf8'),
      ) as {
        providers: Array<{ options: { path: string } }>;
      };
      const folder = join(root, providers.providers[0].options.path);
      const dashboards = readdirSync(folder).map(
        (file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as { uid: string },
      );
      const datasources = parse(
        readFileSync(join(root, 'etc/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
      ) as {
        datasources: Array<{
          uid: string;
          url: string;
          jsonData: { exemplarTraceIdDestinations: Array<{ name: string; url: string }> };
        }>;
      };
      const [prometheus] = datasources.datasources;

      expect(dashboards.map((d) => d.uid)).toEqual(['mailwatch']);
      expect(prometheus.url).toBe('http://prometheus:9090');
      expect(prometheus.jsonData.exemplarTraceIdDestinations).toEqual([
        expect.objectContaining({
          name: 'email_id',
          url: 'http://localhost:3000/emails/$${__value.raw}',
        }),
      ]);
      expect(
        dirname(
          join(root, service('grafana').environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH),
        ),
      ).toBe(folder);
    });
  });
});
