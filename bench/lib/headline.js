'use strict';
// Scenario 0, the headline: the default configuration (spool, metrics on, the SMTP engine)
// next to the memory and Redis drivers, in paired interleaved rounds (bench/lib/paired.js),
// at BENCH_CONNECTIONS and at 8 connections (the latency target), then at 8 connections again
// with the app on a core of its own. Every relative figure is the median of per-round ratios
// to memory.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./procs');
const { fire } = require('./load');
const { quiet } = require('./cpu-compare');
const { pairedRounds } = require('./paired');

async function headline({ sink, startApp, appEnv, redis, rounds, duration, connections, clients }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-bench-headline-'));
  const variants = [];
  try {
    const specs = [
      ['memory', { QUEUE_DRIVER: 'memory' }],
      // The default: no QUEUE_DRIVER / SPOOL_SYNCHRONOUS of our own beyond a temporary path.
      ['spool (default)', { QUEUE_DRIVER: 'spool', SPOOL_PATH: path.join(dir, 'spool.db') }],
    ];
    if (redis) specs.push(['redis', { QUEUE_DRIVER: 'redis', ...redis }]);
    // BENCH_BASE_DIST: the redis driver of another build too (its own queue), same rounds.
    const base = process.env.BENCH_BASE_DIST;
    if (redis && base) {
      const env = { QUEUE_DRIVER: 'redis', ...redis, REDIS_PREFIX: `${redis.REDIS_PREFIX}-base` };
      specs.push(['redis (base)', env, { main: path.resolve(base, 'main.js') }]);
    }
    for (const [label, env, options] of specs) {
      const app = await startApp(appEnv(sink, env), `headline-${label.split(' ')[0]}`, options);
      await fire({ url: `${app.url}/send-email`, connections, duration: 2, clients });
      await quiet(sink);
      variants.push({ label, app });
    }
    const wide = await pairedRounds({ sink, variants, rounds, duration, connections, clients });
    const narrow = await pairedRounds({
      sink,
      variants,
      rounds,
      duration,
      connections: 8,
      clients,
    });
    const pinned = await pinnedLatency({ sink, variants, rounds, duration, clients });
    return { connections, rounds, duration, wide, narrow, pinned };
  } finally {
    await Promise.all(variants.map((v) => v.app.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Latency at 8 connections with the app on a core of its own: every app pinned to CPU 1, this
 * process (autocannon) and the sink to CPU 0. Unpinned, three busy processes share two cores and
 * the p99 is the scheduler's (memory's equals the spool's); pinned, it is the app's own — what a
 * pod with its own CPU, its clients and relay elsewhere, sees. Undefined without taskset.
 */
async function pinnedLatency({ sink, variants, rounds, duration, clients, connections = 8 }) {
  const others = [process.pid, sink.pid];
  const apps = variants.flatMap((v) => v.apps ?? [v.app]);
  if (!others.every((pid) => procs.pin(pid, 0))) return undefined;
  try {
    apps.forEach((app) => procs.pin(app.pid, 1));
    return await pairedRounds({ sink, variants, rounds, duration, connections, clients });
  } finally {
    [...others, ...apps.map((app) => app.pid)].forEach((pid) => procs.pin(pid, procs.ALL_CPUS));
  }
}

/** Markdown rows and target lines for the report (run.js). */
function headlineRows(h, fmt) {
  const rows = [];
  for (const [which, n] of [
    ['wide', h.connections],
    ['narrow', 8],
    ['pinned', 8],
  ]) {
    for (const v of h[which] ?? []) {
      rows.push([
        which === 'wide' && v === h[which][0] ? 0 : '',
        `${v.label}, ${n} connections${which === 'pinned' ? ', app on its own core' : ''}`,
        'req/s; CPU ms/request; p50 / p99',
        `${fmt(v.rps)}; ${v.cpuMs.toFixed(3)}; ${fmt(v.p50, 1)} / ${fmt(v.p99, 1)} ms`,
        `vs memory (paired median): req/s ×${v.rpsRatio.toFixed(2)}, CPU ×${v.cpuRatio.toFixed(2)}; ${h.rounds} rounds × ${h.duration} s; 200s ${fmt(v.ok200)}`,
      ]);
    }
  }
  const spool = h.wide.find((v) => v.label.startsWith('spool'));
  const spool8 = h.narrow.find((v) => v.label.startsWith('spool'));
  const redis = h.wide.find((v) => v.label === 'redis');
  const targets = [
    [
      spool.rpsRatio >= 0.9,
      `default ${fmt(spool.rps)} req/s = ×${spool.rpsRatio.toFixed(2)} of memory in the same rounds (≥ 0.90)`,
    ],
    [spool.cpuMs <= 0.3, `default app CPU ${spool.cpuMs.toFixed(3)} ms per request (≤ 0.30 ms)`],
    [
      spool.cpuRatio - 1 <= 0.1,
      `spool CPU ×${spool.cpuRatio.toFixed(2)} of memory, paired median (≤ +10 %)`,
    ],
    [spool8.p99 <= 10, `default p99 at 8 connections ${fmt(spool8.p99, 1)} ms (≤ 10 ms)`],
  ];
  const pinned = h.pinned?.find((v) => v.label.startsWith('spool'));
  if (pinned)
    targets.push([
      pinned.p99 <= 10,
      `default p99 at 8 connections, app on its own core, ${fmt(pinned.p99, 1)} ms (≤ 10 ms; memory ${fmt(h.pinned[0].p99, 1)} ms)`,
    ]);
  if (redis)
    targets.push([
      redis.rps / spool.rps >= 0.8,
      `redis one app ${fmt(redis.rps)} req/s = ×${(redis.rpsRatio / spool.rpsRatio).toFixed(2)} of the spool (≥ 0.80)`,
    ]);
  return { rows, targets };
}

module.exports = { headline, headlineRows, pinnedLatency };
