'use strict';
// Default configuration (spool) vs memory in paired interleaved rounds, at one connection
// count: the quick form of the headline (bench/run.js scenario 0).
//   node bench/paired.js [connections=8] [rounds=6] [seconds=4]
//   BENCH_DIST=/tmp/build-a node bench/paired.js    another build
//   BENCH_BASE_DIST=a=/tmp/a,b=/tmp/b …              also the spool of other builds, same rounds
//   BENCH_OWN_CORE=1 …             each app pinned to CPU 1, autocannon and the sink to CPU 0
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./lib/procs');
const { fire } = require('./lib/load');
const { quiet } = require('./lib/cpu-compare');
const { pairedRounds } = require('./lib/paired');
const { pinnedLatency } = require('./lib/headline');

const [connections = 8, rounds = 6, seconds = 4] = process.argv.slice(2).map(Number);
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];
const PROFILE = process.env.BENCH_CPU_PROF === '1';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-paired-'));
  const sink = await procs.startSink();
  const common = { SMTP_URL: sink.url, ENABLE_METRICS: 'true', METRICS_CACHE_MS: '0' };
  const nodeArgs = (label) =>
    PROFILE
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${path.join(__dirname, 'profiles')}`,
          `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`,
        ]
      : [];
  try {
    const variants = [];
    // BENCH_BASE_DIST=/path/to/dist: also the spool of another build, in the same rounds;
    // several as `a=/dist/one,b=/dist/two` (labels shown as "spool (a)").
    const bases = (process.env.BENCH_BASE_DIST ?? '').split(',').filter(Boolean);
    const extra = bases.map((entry, i) => {
      const [name, dist] = entry.includes('=') ? entry.split('=') : ['base', entry];
      return [
        `spool (${name})`,
        { QUEUE_DRIVER: 'spool', SPOOL_PATH: path.join(dir, `base-${i}.db`) },
        path.join(path.resolve(dist), 'main.js'),
      ];
    });
    for (const [label, env, main] of [
      ['memory', { QUEUE_DRIVER: 'memory' }],
      [
        'spool (default)',
        {
          QUEUE_DRIVER: 'spool',
          SPOOL_PATH: path.join(dir, 'spool.db'),
          SPOOL_SYNCHRONOUS: process.env.BENCH_SPOOL_SYNCHRONOUS ?? 'full',
        },
      ],
      ...extra,
    ]) {
      const app = await procs.startApp(
        { ...common, ...env },
        { nodeArgs: nodeArgs(label.split(' ')[0]), ...(main ? { main } : {}) },
      );
      await fire({ url: `${app.url}/send-email`, connections, duration: 2, clients: CLIENTS });
      await quiet(sink);
      variants.push({ label, app });
    }
    const opts = { sink, variants, rounds, duration: seconds, connections, clients: CLIENTS };
    const out =
      process.env.BENCH_OWN_CORE === '1' ? await pinnedLatency(opts) : await pairedRounds(opts);
    if (!out) throw new Error('BENCH_OWN_CORE=1 needs taskset and two CPUs');
    for (const v of out) {
      process.stdout.write(
        `${v.label.padEnd(16)} ${v.rps.toFixed(0).padStart(6)} req/s  cpu ${v.cpuMs.toFixed(3)} ms/req  p50 ${v.p50} p99 ${v.p99} ms  | vs memory: req/s ×${v.rpsRatio.toFixed(3)} cpu ×${v.cpuRatio.toFixed(3)} p99 ×${v.p99Ratio.toFixed(2)}\n` +
          `   rounds: ${v.runs.map((r) => `${r.rps.toFixed(0)}/${r.cpuMs.toFixed(3)}/${r.p99}`).join('  ')}\n`,
      );
    }
    await Promise.all(variants.map((v) => v.app.stop()));
  } finally {
    await procs.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  process.stderr.write(`${err.stack}\n`);
  await procs.stopAll();
  process.exit(1);
});
