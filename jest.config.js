/** One `npm test` runs everything: unit specs beside the code, e2e specs under test/. */
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
