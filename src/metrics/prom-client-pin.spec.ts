import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * HotHistogram and friends rely on prom-client internals (listed in hot-path-metrics.ts), so
 * prom-client is pinned to the one version the differential specs (hot-counter.spec.ts,
 * hot-histogram.spec.ts) were run against. To upgrade: install the new version, run
 * `npx jest src/metrics`, fix what differs, then change VERIFIED and package.json together.
 */
const VERIFIED = '15.1.3';

const root = join(__dirname, '..', '..');
const json = (path: string) =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };

describe('prom-client pin', () => {
  it('package.json asks for exactly the verified version', () => {
    expect(json('package.json').dependencies['prom-client']).toBe(VERIFIED);
  });

  it('the installed prom-client is the verified one', () => {
    const installed = json('node_modules/prom-client/package.json').version;
    if (installed !== VERIFIED)
      throw new Error(
        `prom-client ${installed} is installed but the hot-path metrics were verified on ${VERIFIED}: ` +
          'run `npx jest src/metrics` on it, then update VERIFIED in src/metrics/prom-client-pin.spec.ts',
      );
    expect(installed).toBe(VERIFIED);
  });
});
