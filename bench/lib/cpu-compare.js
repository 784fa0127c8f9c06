'use strict';
// App CPU per request, variants compared under the same controlled load: the figure behind
// "metrics on vs off" (docs/benchmarks.md, "How CPU per request is compared").
//
// Why not the closed-loop runs of scenario 3: there, each variant's own speed shapes its
// load (how many requests share an event-loop turn, how often a socket write wakes an idle
// peer), and on this 2-core machine the app shares cores with autocannon and the sink, so
// two runs of the *same* build differ by 5–15 % in CPU per request. Here:
//   - every variant gets the same offered load: an open loop at a fixed rate (autocannon's
//     overallRate), below the slowest variant's capacity, so no variant's speed feeds back
//     into its load;
//   - with BENCH_PIN (default when `taskset` exists and there are 2+ CPUs) the apps run on
//     CPU 1 and autocannon + the sink on CPU 0;
//   - CPU time is read from /proc/<pid>/task/*/schedstat (nanoseconds, all threads) once the
//     sink has gone quiet, and never across a scrape;
//   - many short rounds, the order rotated every round; the result is the median of the
//     per-round ratios to the first variant, with its interquartile range;
//   - an A/A control (a second copy of the first variant) shows the noise floor of the
//     method on the machine at that moment: a difference smaller than it is not a finding.
const procs = require('./procs');
const { fire } = require('./load');
const { median } = require('./stats');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function quiet(sink) {
  let last = -1;
  for (let i = 0; i < 400; i++) {
    const count = await sink.count();
    if (count === last) return;
    last = count;
    await sleep(100);
  }
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

/**
 * variants: [{ label, env }] (the first is the reference; an A/A copy of it is added).
 * Returns per variant: cpuMs (median), ratio (median of per-round ratios to the reference)
 * with q1/q3, and the rounds.
 */
async function compareCpu({
  sink,
  variants,
  appEnv,
  startApp,
  rate = 1500,
  requests = 4500,
  rounds = 12,
  warmup = 10_000,
  connections = 32,
  clients = [],
}) {
  const all = [variants[0], { label: `${variants[0].label} (A/A copy)`, env: variants[0].env, control: true }, ...variants.slice(1)];
  const apps = [];
  const pinned = procs.pin(process.pid, 0) && procs.pin(sink.pid, 0);
  try {
    for (const v of all) {
      const app = await startApp(appEnv(sink, v.env), `cpu-${v.label.replace(/\W+/g, '-')}`, { cpus: 1 });
      apps.push({ ...v, app, cpu: [], non200: 0 });
    }
    for (const a of apps) {
      await fire({ url: `${a.app.url}/send-email`, connections, amount: warmup, clients });
      await quiet(sink);
    }
    for (let round = 0; round < rounds; round++) {
      const order = apps.map((_, i) => apps[(i + round) % apps.length]);
      for (const a of order) {
        const before = procs.cpuNanos(a.app.pid);
        const r = await fire({ url: `${a.app.url}/send-email`, connections, amount: requests, clients, rate });
        await quiet(sink);
        a.cpu.push((procs.cpuNanos(a.app.pid) - before) / 1e6 / r.total);
        a.non200 += r.total - r.ok200;
      }
    }
  } finally {
    await Promise.all(apps.map((a) => a.app.stop()));
    if (pinned) {
      procs.pin(process.pid, procs.ALL_CPUS);
      procs.pin(sink.pid, procs.ALL_CPUS);
    }
  }
  const ref = apps[0].cpu;
  const results = apps.map((a) => {
    const ratios = a.cpu.map((x, i) => x / ref[i]);
    return {
      label: a.label,
      control: Boolean(a.control),
      cpuMs: median(a.cpu),
      ratio: median(ratios),
      q1: quantile(ratios, 0.25),
      q3: quantile(ratios, 0.75),
      rounds: a.cpu,
      non200: a.non200,
    };
  });
  return { pinned, rate, requests, rounds, variants: results };
}

module.exports = { compareCpu };
