'use strict';
// The redis driver of this build vs other builds' (and the spool as the target's reference)
// in paired interleaved rounds on the Redis at 127.0.0.1:6379: the quick form of the
// headline's redis row while working on the driver (issue 20).
//   node bench/redis-paired.js [connections=64] [rounds=4] [seconds=3]
//   BENCH_BASE_DIST=base=/tmp/base-dist,b=/tmp/b   the redis driver of other builds, same rounds
//   BENCH_NO_SPOOL=1                               redis variants only
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const procs = require('./lib/procs');
const { fire } = require('./lib/load');
const { quiet } = require('./lib/cpu-compare');
const { pairedRounds } = require('./lib/paired');

const [connections = 64, rounds = 4, seconds = 3] = process.argv.slice(2).map(Number);
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const PREFIX = `mailwatch-redis-paired-${process.pid}`;

async function dropKeys() {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${PREFIX}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  } finally {
    redis.disconnect();
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-redis-paired-'));
  const sink = await procs.startSink();
  const common = { SMTP_URL: sink.url, ENABLE_METRICS: 'true', METRICS_CACHE_MS: '0' };
  const redis = (name) => ({
    QUEUE_DRIVER: 'redis',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `${PREFIX}-${name}`,
  });
  const nodeArgs = (label) =>
    PROFILE
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${path.join(__dirname, 'profiles')}`,
          `--cpu-prof-name=redis-paired-${label}-${Date.now()}.cpuprofile`,
        ]
      : [];
  try {
    const bases = (process.env.BENCH_BASE_DIST ?? '').split(',').filter(Boolean);
    const specs = [['redis (new)', redis('new'), undefined, 'new']];
    for (const entry of bases) {
      const [name, dist] = entry.includes('=') ? entry.split('=') : ['base', entry];
      specs.push([`redis (${name})`, redis(name), path.join(path.resolve(dist), 'main.js'), name]);
    }
    if (process.env.BENCH_NO_SPOOL !== '1') {
      specs.push(['spool', { QUEUE_DRIVER: 'spool', SPOOL_PATH: path.join(dir, 'spool.db') }]);
    }
    const variants = [];
    for (const [label, env, main, tag] of specs) {
      const app = await procs.startApp(
        { ...common, ...env },
        { nodeArgs: nodeArgs(tag ?? 'spool'), ...(main ? { main } : {}) },
      );
      await fire({ url: `${app.url}/send-email`, connections, duration: 2, clients: CLIENTS });
      await quiet(sink);
      variants.push({ label, app });
    }
    const out = await pairedRounds({
      sink,
      variants,
      rounds,
      duration: seconds,
      connections,
      clients: CLIENTS,
    });
    for (const v of out) {
      process.stdout.write(
        `${v.label.padEnd(16)} ${v.rps.toFixed(0).padStart(6)} req/s  cpu ${v.cpuMs.toFixed(3)} ms/req  p50 ${v.p50} p99 ${v.p99} ms  | vs ${out[0].label}: req/s ×${v.rpsRatio.toFixed(3)} cpu ×${v.cpuRatio.toFixed(3)}\n` +
          `   rounds: ${v.runs.map((r) => `${r.rps.toFixed(0)}/${r.cpuMs.toFixed(3)}`).join('  ')}\n`,
      );
    }
    await Promise.all(variants.map((v) => v.app.stop()));
  } finally {
    await procs.stopAll();
    await dropKeys().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (err) => {
  process.stderr.write(`${err.stack}\n`);
  await procs.stopAll();
  process.exit(1);
});
