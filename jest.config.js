/** One `npm test` runs everything: unit specs beside the code, e2e specs under test/. */
const { spawnSync } = require('node:child_process');
const vm = require('node:vm');

// NestJS 12 ships ES modules only. The app loads them with Node's require(esm); under Jest a
// spec's require() goes through Jest's own module registry, which can load ES modules only
// with Node's VM modules (--experimental-vm-modules). Jest reads this file before it starts
// any worker, so without that flag it re-runs itself once with it, however it was started
// (npx jest, npm test, an IDE). The flag goes on the command line, not into NODE_OPTIONS: the
// apps and tools the e2e specs spawn inherit the environment and must run as in production.
if (typeof vm.SyntheticModule !== 'function') {
  const argv = [
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    ...process.execArgv,
    ...process.argv.slice(1),
  ];
  const run = spawnSync(process.execPath, argv, { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // The e2e specs start real servers, apps and child processes; a spec that fails half-way may
  // leave one open. CI must still end with its totals instead of hanging on it.
  forceExit: true,
  // Writes reports/node-version.txt: .ci/run prints it and refuses a runtime older than 24.
  globalSetup: '<rootDir>/test/support/record-node-version.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: '<rootDir>/test/support/quiet-environment.js',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: '<rootDir>/test/support/quiet-environment.js',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
