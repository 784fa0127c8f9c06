import { spawnSync } from 'node:child_process';

export interface PromtoolResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together: promtool splits its messages between them. */
  output: string;
}

/** `PROMTOOL` overrides the binary; otherwise `promtool` from PATH. */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/**
 * Runs promtool and returns its result. A missing binary throws instead of returning, so
 * the monitoring tests fail loudly on a machine without it rather than silently passing.
 */
export function promtool(args: readonly string[], cwd?: string): PromtoolResult {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `promtool not found (looked for "${PROMTOOL}" on PATH). Install Prometheus ` +
            `(Debian/Ubuntu: apt-get install prometheus) or set PROMTOOL=/path/to/promtool. ` +
            `The monitoring tests need it and never skip.`
        : `promtool ${args.join(' ')} could not run: ${result.error.message}`,
    );
  }
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: `${result.stdout}${result.stderr}`,
  };
}
