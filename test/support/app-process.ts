import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './smtp-server';
import { request, testSpoolPath } from './test-app';

const ROOT = resolve(__dirname, '..', '..');

let build: Promise<string> | undefined;

/**
 * Compiles src/ once per test file into a temporary directory with the project's own
 * build config, so a child process runs exactly the code under test, even on a clean
 * clone where dist/ is missing or stale. Modules resolve from the project's node_modules
 * through NODE_PATH.
 */
export function buildApp(): Promise<string> {
  build ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'mailwatch-build-'));
    process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(
        process.execPath,
        [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'],
        { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (err) {
      const { stdout } = err as { stdout?: string };
      throw new Error(`building the app for child processes failed:\n${stdout ?? String(err)}`);
    }
    // The assets nest build would copy (templates and the like): every non-TypeScript file.
    cpSync(join(ROOT, 'src'), outDir, {
      recursive: true,
      filter: (source) => statSync(source).isDirectory() || !source.endsWith('.ts'),
    });
    // The assets nest-cli.json copies next to the code (built-in templates).
    cpSync(join(ROOT, 'src', 'mail', 'templates'), join(outDir, 'mail', 'templates'), {
      recursive: true,
    });
    const main = join(outDir, 'main.js');
    if (!existsSync(main)) throw new Error(`build produced no ${main}`);
    return main;
  })();
  return build;
}

/** `node main.js` with only the given environment (plus PATH and module resolution). */
async function spawnService(env: Record<string, string>): Promise<ChildProcess> {
  const main = await buildApp();
  return spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_PATH: join(ROOT, 'node_modules'),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      // Tests that do not care run the memory driver; spool tests name it (and a SPOOL_PATH).
      QUEUE_DRIVER: 'memory',
      ...(env.QUEUE_DRIVER === 'spool' && !env.SPOOL_PATH ? { SPOOL_PATH: testSpoolPath() } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The real service (`node main.js`) in its own process, configured by environment. */
export class AppProcess {
  private exited = false;
  private output = '';
  /** The exit code, or the signal's name when killed by one. */
  readonly exitCode: Promise<number | string>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.once('exit', () => (this.exited = true));
    this.exitCode = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    );
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(env: Record<string, string>): Promise<AppProcess> {
    const port = await freePort();
    const child = await spawnService({ PORT: String(port), LOG_LEVEL: 'warn', ...env });
    const app = new AppProcess(child, `http://127.0.0.1:${port}`);
    await app.waitReady();
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last lines the process printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** SIGKILL: no drain, no cleanup, like a crashed node. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Sends SIGTERM without waiting: the process drains while the test keeps talking to it. */
  terminate(): void {
    this.child.kill('SIGTERM');
  }

  /** SIGTERM and wait for the process to finish draining and exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.exited) throw new Error(`app process exited during start-up:\n${this.output}`);
      try {
        const res = await request(`${this.url}/healthz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`app process did not answer /healthz within 20 s:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Runs the service to its exit (start-up failures): exit status and what it printed. */
export async function runToExit(
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = await spawnService(env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const status = await new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** A start-up failure's one stderr line (JSON, `"level":"fatal"`): its message and fields. */
export function fatalLineOf(
  stderr: string,
): { msg: string; level: string } & Record<string, unknown> {
  const lines = stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one fatal line on stderr, got:\n${stderr}`);
  const line = JSON.parse(lines[0]) as { msg: string; level: string } & Record<string, unknown>;
  if (line.level !== 'fatal') throw new Error(`expected "level":"fatal": ${lines[0]}`);
  return line;
}
