import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../support/app-process';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

/**
 * Issue 25: the CSP over plain HTTP on an address that is not localhost, as an operator opens
 * Swagger UI and the status page through a port-forward or a NodePort. Browsers treat
 * localhost as secure, so only another address shows what `upgrade-insecure-requests` does:
 * every script and style of the page is fetched over https, which nothing serves, and the
 * page stays blank. The test builds that address itself: a network namespace joined to this
 * one by a veth pair, real Chromium inside it, the real app (`node dist/main.js`) outside.
 * Needs root and `ip` (iproute2); without them it fails naming what is missing.
 */

/** Chromium notes that it ignores COOP on an untrustworthy origin: expected here, harmless. */
const realErrors = (report: PageReport) =>
  report.errors.filter((e) => !e.includes('Cross-Origin-Opener-Policy header has been ignored'));

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
const tag = String(process.pid % 100_000);
const NS = `mwcsp${tag}`;
const HOST_IF = `mwh${tag}`;
const NS_IF = `mwn${tag}`;
// A /30 of 10.213.0.0/16 picked by pid, so parallel runs do not share addresses.
const NET = `10.213.${process.pid % 250}`;
const HOST_ADDR = `${NET}.1`;
const NS_ADDR = `${NET}.2`;

interface PageReport {
  status: number;
  rendered: boolean;
  https: string[];
  failed: string[];
  errors: string[];
}

/** Opens `url` in Chromium inside the namespace; reports what loaded and what did not. */
function openInNamespace(url: string, selector: string, auth?: string): Promise<PageReport> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-csp-'));
  const script = join(dir, 'open.cjs');
  writeFileSync(
    script,
    `const { chromium } = require(${JSON.stringify(require.resolve('playwright-core'))});
(async () => {
  const browser = await chromium.launch({ executablePath: ${JSON.stringify(CHROMIUM)}, args: ${JSON.stringify(CHROMIUM_ARGS)} });
  const auth = ${JSON.stringify(auth ?? null)};
  const context = await browser.newContext(auth ? { httpCredentials: { username: auth.split(':')[0], password: auth.split(':')[1] } } : {});
  const page = await context.newPage();
  const report = { status: 0, rendered: false, https: [], failed: [], errors: [] };
  page.on('request', (r) => { if (r.url().startsWith('https:')) report.https.push(r.url()); });
  page.on('requestfailed', (r) => report.failed.push(r.url()));
  page.on('pageerror', (e) => report.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') report.errors.push(m.text()); });
  const response = await page.goto(${JSON.stringify(url)});
  report.status = response ? response.status() : 0;
  report.rendered = await page.locator(${JSON.stringify(selector)}).first().waitFor({ timeout: 20000 }).then(() => true, () => false);
  await browser.close();
  process.stdout.write(JSON.stringify(report));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(JSON.parse(out) as PageReport);
      else reject(new Error(`Chromium in the namespace exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

function removeNamespace(): void {
  try {
    ip('link', 'del', HOST_IF);
  } catch {
    // already gone (deleting either end removes the pair)
  }
  try {
    ip('netns', 'del', NS);
  } catch {
    // not created
  }
}

describe('CSP over plain HTTP on a non-loopback address (network namespace, Chromium)', () => {
  let app: AppProcess | undefined;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('this test creates a network namespace: run it as root (CI does)');
    }
    removeNamespace();
    ip('netns', 'add', NS);
    ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    ip('link', 'set', NS_IF, 'netns', NS);
    ip('addr', 'add', `${HOST_ADDR}/30`, 'dev', HOST_IF);
    ip('link', 'set', HOST_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_ADDR}/30`, 'dev', NS_IF);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    app = await AppProcess.start({
      HOST: '0.0.0.0',
      SMTP_URL: 'smtp://127.0.0.1:9',
      STATUS_AUTH: 'viewer:status-page-password',
    });
  }, 60_000);

  afterAll(async () => {
    await app?.kill();
    removeNamespace();
  });

  const remote = (path: string) => `http://${HOST_ADDR}:${new URL(app!.url).port}${path}`;

  it('Swagger UI renders its operations: nothing upgraded to https, nothing failed', async () => {
    const report = await openInNamespace(remote('/docs'), '.opblock');

    expect(report).toMatchObject({ status: 200, rendered: true, https: [], failed: [] });
    expect(realErrors(report)).toEqual([]);
  }, 90_000);

  it('the status page renders its live data: nothing upgraded to https, nothing failed', async () => {
    const report = await openInNamespace(
      remote('/status'),
      '#updated:text-matches("^updated ")',
      'viewer:status-page-password',
    );

    expect(report).toMatchObject({ status: 200, rendered: true, https: [], failed: [] });
    expect(realErrors(report)).toEqual([]);
  }, 90_000);
});
