import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Issue 25: `npm test` on a fresh machine. Its pretest (scripts/test-peers.sh) installs the
 * system peers as root; where it cannot, it must fail naming every missing peer and the
 * command that installs them — a missing peer never lets a test skip or pass silently.
 * Simulated here as a non-root user with nothing on PATH but bash and redis-cli.
 */
const SCRIPT = resolve(__dirname, '../../scripts/test-peers.sh');

function runWithout(env: Record<string, string>) {
  const bin = mkdtempSync(join(tmpdir(), 'mw-peers-'));
  try {
    // `id -u` answers a non-root user: the script must not try apt-get.
    writeFileSync(join(bin, 'id'), '#!/bin/sh\necho 1000\n');
    chmodSync(join(bin, 'id'), 0o755);
    for (const tool of ['redis-cli', 'seq', 'sleep', 'mkdir']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`])
        .stdout.toString()
        .trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    return spawnSync('/bin/bash', [SCRIPT], {
      env: { PATH: bin, HOME: tmpdir(), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

describe('scripts/test-peers.sh (npm test pretest)', () => {
  it('without root, fails naming each missing peer and the install command', () => {
    const result = runWithout({ CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing test peers: .*prometheus .*prometheus-alertmanager/);
    expect(result.stderr).toContain('chromium');
    expect(result.stderr).toContain('sudo apt-get install --no-install-recommends');
    expect(result.stdout).not.toContain('installing');
  });

  it('TEST_PEERS=skip leaves the machine alone and succeeds', () => {
    const result = runWithout({ TEST_PEERS: 'skip', CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('on this machine (peers installed by pretest) it succeeds without installing anything', () => {
    const result = spawnSync('/bin/bash', [SCRIPT], {
      env: { ...process.env, TEST_PEERS: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).not.toContain('installing');
  });
});
