// Jest globalSetup: records the Node version the tests run on, for .ci/run to print beside
// the totals and to fail on anything older than the supported runtime.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = function recordNodeVersion() {
  const reports = join(__dirname, '..', '..', 'reports');
  mkdirSync(reports, { recursive: true });
  writeFileSync(join(reports, 'node-version.txt'), `${process.version}\n`);
};
