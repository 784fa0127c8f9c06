import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../support/app-process';

const ROOT = resolve(__dirname, '..', '..');

/**
 * A Node older than 22.13 on PATH outside node_modules (Debian 12 ships 18, many CI images
 * 20). Where the machine has none, the project's Node runs with its reported version set to
 * 20.20.0 by a preload, so the check is exercised either way; the test says which it ran.
 */
function oldNode(): { command: string; args: string[]; cleanup: () => void } {
  const candidates = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && !path.includes('node_modules'));
  for (const path of candidates) {
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    const [major, minor] = version.slice(1).split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 13)) {
      return { command: path, args: [], cleanup: () => undefined };
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-old-node-'));
  const preload = join(dir, 'pretend-node-20.js');
  writeFileSync(
    preload,
    "Object.defineProperty(process.versions, 'node', { value: '20.20.0' });\n",
  );
  return {
    command: process.execPath,
    args: ['--require', preload],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('Node version check before anything loads', () => {
  it.each([
    ['spool', {}],
    ['memory', { QUEUE_DRIVER: 'memory' }],
    ['pretty', { LOG_FORMAT: 'pretty' }],
  ])(
    'an old node prints one line with the fix and exits non-zero (%s)',
    async (_, env: Record<string, string>) => {
      const main = await buildApp();
      const node = oldNode();
      try {
        const run = spawnSync(node.command, [...node.args, main], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), ...env },
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(run.status).not.toBe(0);
        expect(run.status).not.toBeNull();
        expect(run.stdout).toBe('');
        const lines = run.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        const message =
          env.LOG_FORMAT === 'pretty'
            ? lines[0]
            : (JSON.parse(lines[0]) as { level: string; msg: string }).msg;
        if (env.LOG_FORMAT !== 'pretty')
          expect(JSON.parse(lines[0])).toMatchObject({ level: 'fatal' });
        expect(message).toMatch(/needs Node\.js >= 22\.13 and this is \d+\.\d+\.\d+/);
        expect(message).toContain('npx node dist/main.js');
        expect(run.stderr).not.toMatch(/\n\s+at |node:sqlite|ERR_/);
      } finally {
        node.cleanup();
      }
    },
  );
});
