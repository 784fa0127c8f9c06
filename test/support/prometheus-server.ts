import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './smtp-server';

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus server (Debian package `prometheus`) scraping the given target every
 * second, with its own temporary TSDB, for asserting what PromQL sees.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(target: string, job = 'email_service'): Promise<PrometheusServer> {
    return PrometheusServer.startWith(
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        `  - job_name: ${job}`,
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
  }

  /** A server with this configuration (YAML) and extra flags, e.g. feature flags. */
  static async startWith(config: string, flags: string[] = []): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'mailwatch-prom-'));
    const port = await freePort();
    await writeFile(join(dir, 'prometheus.yml'), config);
    const child = spawn(
      process.env.PROMETHEUS ?? 'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...flags,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new Error(`cannot run prometheus (apt-get install prometheus): ${err.message}`)),
      ),
    );
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    await Promise.race([server.waitReady(), spawnError]);
    return server;
  }

  /** GET an /api/v1 endpoint and return its `data`, failing on an error status. */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data?: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} failed: ${body.error ?? res.status}`);
    return body.data!;
  }

  async query(promql: string): Promise<QueryResult[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      data?: { result: QueryResult[] };
      error?: string;
    };
    if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? res.status}`);
    return body.data!.result;
  }

  /** Waits until the target has been scraped `count` more times. */
  async waitForScrapes(count: number, job = 'email_service'): Promise<void> {
    const samples = async () => {
      const [result] = await this.query(`count_over_time(up{job="${job}"}[1h])`);
      return result ? Number(result.value[1]) : 0;
    };
    const target = (await samples()) + count;
    const deadline = Date.now() + 30_000;
    while ((await samples()) < target) {
      if (Date.now() > deadline) throw new Error('Prometheus did not scrape in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('Prometheus did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
