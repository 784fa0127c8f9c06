'use strict';
// App CPU per request, variants compared under the same controlled load: the figure behind
// "metrics on vs off" (docs/benchmarks.md, "Comparing two builds").
//
// Why not the closed-loop runs of scenario 3: there, each variant's own speed shapes its
// load (how many requests share an event-loop turn, how often a socket write wakes an idle
// peer), and the machine's speed drifts from second to second (a shared VM): two runs of the
// *same* build, one after the other, differ by 5–15 % in CPU per request. Here:
//   - the variants run at the same time, side by side on one core (BENCH_PIN, default when
//     `taskset` works and there are 2+ CPUs: apps on CPU 1, autocannon + the sink on CPU 0),
//     so whatever slows the machine down slows them all alike, and each round's ratio cancels
//     it;
//   - each gets the same offered load: an open loop at a fixed rate (autocannon's
//     overallRate), below capacity, so no variant's speed feeds back into its load;
//   - CPU time is read from /proc/<pid>/task/*/schedstat (nanoseconds, all threads) once the
//     sink has gone quiet, and never across a scrape;
//   - the result is the median of the per-round ratios to the first variant, with its range;
//   - an A/A control (a second copy of the first variant, in the same rounds) shows the noise
//     floor of the method at that moment: a difference smaller than it is not a finding.
const procs = require('./procs');
const { fire } = require('./load');
const { median } = require('./stats');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Until the sink's count stops moving (bounded: 40 s). */
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
  rate = 600,
  requests = 3000,
  rounds = 10,
  warmup = 10_000,
  connections = 16,
  clients = [],
}) {
  const all = [
    variants[0],
    { label: `${variants[0].label} (A/A copy)`, env: variants[0].env, control: true },
    ...variants.slice(1),
  ];
  const apps = [];
  const pinned = procs.pin(process.pid, 0) && procs.pin(sink.pid, 0);
  try {
    for (const v of all) {
      const app = await startApp(appEnv(sink, v.env), `cpu-${v.label.replace(/\W+/g, '-')}`, {
        cpus: 1,
      });
      apps.push({ ...v, app, cpu: [], non200: 0 });
    }
    await Promise.all(
      apps.map((a) =>
        fire({ url: `${a.app.url}/send-email`, connections, amount: warmup, clients }),
      ),
    );
    await quiet(sink);
    for (let round = 0; round < rounds; round++) {
      const before = apps.map((a) => procs.cpuNanos(a.app.pid));
      const results = await Promise.all(
        apps.map((a) =>
          fire({ url: `${a.app.url}/send-email`, connections, amount: requests, clients, rate }),
        ),
      );
      await quiet(sink);
      apps.forEach((a, i) => {
        a.cpu.push((procs.cpuNanos(a.app.pid) - before[i]) / 1e6 / results[i].total);
        a.non200 += results[i].total - results[i].ok200;
      });
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
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      rounds: a.cpu,
      non200: a.non200,
    };
  });
  return { pinned, rate, requests, rounds, variants: results };
}

module.exports = { compareCpu, quiet };
