'use strict';
// Paired interleaved rounds (docs/benchmarks.md, "Paired rounds"): several app variants run
// one after another inside each round, the order rotating from round to round, each a
// closed loop of `connections` for `duration` seconds. Every relative figure is the median
// of the per-round ratios to the first variant, so the machine's drift (2 shared cores)
// hits each pair alike; absolute figures are medians and move with the machine.
const procs = require('./procs');
const { fire } = require('./load');
const { median } = require('./stats');
const { quiet } = require('./cpu-compare');

/** One closed-loop run; CPU (all threads) read once the sink is quiet, never across a scrape. */
async function run(app, sink, { connections, duration, clients }) {
  const cpu0 = procs.cpuNanos(app.pid);
  const r = await fire({ url: `${app.url}/send-email`, connections, duration, clients });
  await quiet(sink);
  const cpuMs = (procs.cpuNanos(app.pid) - cpu0) / 1e6 / Math.max(1, r.total);
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuMs, total: r.total, ok200: r.ok200 };
}

/**
 * variants: [{ label, app }] already started and warmed up. Returns per variant the medians
 * and the median per-round ratio to variants[0] of req/s, CPU/request and p99.
 */
async function pairedRounds({ sink, variants, rounds, duration, connections, clients = [] }) {
  const runs = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => (i + round) % variants.length);
    for (const i of order) {
      runs[i].push(await run(variants[i].app, sink, { connections, duration, clients }));
    }
  }
  const ratio = (i, key) => median(runs[i].map((r, n) => r[key] / runs[0][n][key]));
  return variants.map((v, i) => ({
    label: v.label,
    rps: median(runs[i].map((r) => r.rps)),
    cpuMs: median(runs[i].map((r) => r.cpuMs)),
    p50: median(runs[i].map((r) => r.p50)),
    p99: median(runs[i].map((r) => r.p99)),
    ok200: runs[i].reduce((s, r) => s + r.ok200, 0),
    rpsRatio: ratio(i, 'rps'),
    cpuRatio: ratio(i, 'cpuMs'),
    p99Ratio: ratio(i, 'p99'),
    runs: runs[i],
  }));
}

module.exports = { pairedRounds };
