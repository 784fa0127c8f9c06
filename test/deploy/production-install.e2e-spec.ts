import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildApp } from '../support/app-process';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';

const ROOT = resolve(__dirname, '..', '..');
/**
 * The budget for the production install (node_modules), in MiB: issue 21's 120. On NestJS 12
 * the raw install is ~155 MiB; scripts/prune-node-modules.sh (run by the image too) removes
 * source maps and type declarations, ~89 MiB left (docs/upgrading.md).
 */
const BUDGET_MIB = 120;
const KEY = 'production-install-key-0001';

/** `du -sk`: what the folder occupies on disk, as the image layer would. */
async function diskMiB(dir: string): Promise<number> {
  const { stdout } = await promisify(execFile)('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]) / 1024;
}

/**
 * The image's install, reproduced without Docker: `npm ci --omit=dev --omit=optional
 * --ignore-scripts` from the lockfile into a scratch folder, pruned as the Dockerfile prunes
 * it, the compiled app beside it, and the app started from there (no NODE_PATH: only the
 * production set can be resolved) as the image runs it, NODE_ENV=production. Writes
 * reports/production-install.json with the size.
 */
describe('the production install (what the image ships)', () => {
  let scratch: string;
  let smtp: TestSmtpServer;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'mailwatch-prod-'));
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await smtp.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`installs under ${BUDGET_MIB} MiB, starts, and renders and sends a templated email`, async () => {
    cpSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
    cpSync(join(ROOT, 'package-lock.json'), join(scratch, 'package-lock.json'));
    await promisify(execFile)(
      'npm',
      ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: scratch, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    );
    await promisify(execFile)('bash', [join(ROOT, 'scripts', 'prune-node-modules.sh')], {
      cwd: scratch,
    });
    const main = await buildApp();
    cpSync(dirname(main), join(scratch, 'dist'), { recursive: true });

    const mib = await diskMiB(join(scratch, 'node_modules'));
    mkdirSync(join(ROOT, 'reports'), { recursive: true });
    writeFileSync(
      join(ROOT, 'reports', 'production-install.json'),
      `${JSON.stringify({ nodeModulesMiB: Math.round(mib * 10) / 10, budgetMiB: BUDGET_MIB })}\n`,
    );
    console.log(`production install: node_modules ${mib.toFixed(1)} MiB (budget ${BUDGET_MIB})`);
    expect(mib).toBeLessThanOrEqual(BUDGET_MIB);
    // What --omit=dev/optional must keep out: compilers and the mailer's native CSS-inlining binding (its JS wrapper stays, unused).
    for (const absent of ['typescript', '@css-inline/css-inline-linux-x64-gnu', 'jest', 'node']) {
      expect({ absent, installed: existsSync(join(scratch, 'node_modules', absent)) }).toEqual({
        absent,
        installed: false,
      });
    }

    const port = await freePort();
    child = spawn(process.execPath, ['dist/main.js'], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        SMTP_URL: smtp.url,
        API_KEYS: `${KEY}=billing`,
        CLIENT_SENDERS: 'billing:example.com',
        MAIL_FROM: 'noreply@example.com',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the production install exited:\n${output}`);
      const ready = await request(`${url}/healthz`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`no /healthz within 20 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const res = await postJson(
      `${url}/send-email`,
      {
        to: 'ada@example.com',
        subject: 'Welcome',
        template: 'welcome',
        context: { name: 'Ada', product: 'Mailwatch', loginUrl: 'https://example.com/in' },
      },
      { authorization: `Bearer ${KEY}` },
    );
    expect(res.status).toBe(200);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.parsed.html).toContain('Welcome, Ada!');
  }, 300_000); // npm ci from the registry alone may take minutes on a loaded machine (its own bound: 240 s)
});
