import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface SmokeResult {
  requests: number;
  ok200: number;
  received: number;
  sent: number;
  lost: number;
  clusterNodes?: number;
  clusterStopped?: boolean;
}

/** Runs `node bench/run.js <flag>` against the built app; CI builds dist/ before tests. */
function runSmoke(
  flag = '--smoke',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.js', flag], {
      cwd: root,
      env: { ...process.env, BENCH_SMOKE_REQUESTS: '200', BENCH_TIMEOUT: '50' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Correctness only, never speed: a short bench run through the real app and a real SMTP
// sink must lose nothing and count every email once.
describe('bench --smoke', () => {
  it('delivers every email answered 200 to the sink and counts each once', async () => {
    if (!existsSync(join(root, 'dist', 'main.js'))) {
      throw new Error('dist/main.js is missing: run `npm run build` before this test');
    }

    const run = await runSmoke();

    expect(run.stderr).not.toContain('FAILED');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as SmokeResult;
    expect(result).toMatchObject({ requests: 200, ok200: 200, received: 200, sent: 200, lost: 0 });
  }, 60_000);

  // Scenario 9's cluster (bench/lib/redis-cluster.js): it starts, carries the redis driver's
  // emails, and its redis-server processes and folder are gone once the run ends.
  it('--smoke=cluster delivers through a Redis Cluster it starts and stops', async () => {
    const run = await runSmoke('--smoke=cluster');

    expect(run.stderr).not.toContain('FAILED');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as SmokeResult;
    expect(result).toMatchObject({
      requests: 200,
      ok200: 200,
      received: 200,
      sent: 200,
      lost: 0,
      clusterNodes: 3,
      clusterStopped: true,
    });
  }, 60_000);
});
