'use strict';
// Paired interleaved rounds (docs/benchmarks.md, "Paired rounds"): several app variants run
// one after another inside each round, the order rotating from round to round, each a
// closed loop of `connections` for `duration` seconds. Every relative figure is the median
// of the per-round ratios to the first variant, so the machine's drift (2 shared cores)
// hits each pair alike; absolute figures are medians and move with the machine.
const fs = require('node:fs');
const os = require('node:os');
const procs = require('./procs');
const { fire } = require('./load');
const { median } = require('./stats');
const { quiet } = require('./cpu-compare');

/** Idle and total jiffies of all CPUs (/proc/stat's first line; idle includes iowait). */
function cpuTimes() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = fields.slice(1, 9).map(Number);
  return { idle: n[3] + n[4], total: n.reduce((s, x) => s + x, 0) };
}

/**
 * One closed-loop run over the variant's apps (`connections` split between them); CPU (all
 * threads) read once the sink is quiet, never across a scrape. `busy`: cores each process kept
 * busy while the load ran (CPU time / wall time) — the apps, the variant's `peers` (e.g. its
 * Redis servers), the sink and this process (autocannon) — to tell what limits a figure.
 */
async function run(variant, sink, { connections, duration, clients }) {
  const apps = variant.apps ?? [variant.app];
  // An app may bring its own CPU reading (cpuNanos()): the FastAPI reference (reference.js)
  // is several processes whose threadpool threads come and go.
  const appCpu = (a) => (a.cpuNanos ? a.cpuNanos() : procs.cpuNanos(a.pid));
  const peerPids = (variant.peers ?? []).map((p) => p.pid);
  const sum = (xs) => xs.reduce((s, x) => s + x, 0);
  const cpu = () => ({
    apps: apps.map(appCpu),
    peers: peerPids.map((pid) => procs.cpuNanos(pid)),
    sink: procs.cpuNanos(sink.pid),
  });
  const before = cpu();
  const self0 = process.cpuUsage();
  const machine0 = cpuTimes();
  const sink0 = await sink.count();
  const t0 = process.hrtime.bigint();
  const per = Math.max(1, Math.floor(connections / apps.length));
  const rs = await Promise.all(
    apps.map((app) => fire({ url: `${app.url}/send-email`, connections: per, duration, clients })),
  );
  const wallNs = Number(process.hrtime.bigint() - t0);
  const self = process.cpuUsage(self0);
  const machine = cpuTimes();
  const loaded = cpu();
  const cores = (key) => loaded[key].map((n, i) => (n - before[key][i]) / wallNs);
  const busy = {
    apps: sum(cores('apps')),
    // The busiest app / peer: a Node main thread or a single-threaded Redis near 1.0 is full.
    appMax: Math.max(0, ...cores('apps')),
    peers: sum(cores('peers')),
    peerMax: Math.max(0, ...cores('peers')),
    sink: (loaded.sink - before.sink) / wallNs,
    load: ((self.user + self.system) * 1000) / wallNs,
    // Cores left idle on the whole machine (everyone's processes counted).
    idle:
      ((machine.idle - machine0.idle) / Math.max(1, machine.total - machine0.total)) *
      os.cpus().length,
  };
  await quiet(sink);
  const after = cpu();
  const received = (await sink.count()) - sink0;
  const total = sum(rs.map((r) => r.total));
  const ok200 = sum(rs.map((r) => r.ok200));
  const perRequest = (key) => (sum(after[key]) - sum(before[key])) / 1e6 / Math.max(1, total);
  return {
    rps: sum(rs.map((r) => r.rps)),
    // With several apps, the slower one's percentiles.
    p50: Math.max(...rs.map((r) => r.p50)),
    p99: Math.max(...rs.map((r) => r.p99)),
    cpuMs: perRequest('apps'),
    peerCpuMs: perRequest('peers'),
    seconds: wallNs / 1e9,
    total,
    ok200,
    received,
    lost: Math.max(0, ok200 - received),
    busy,
  };
}

/**
 * variants: [{ label, app }] (app: { url, pid } or { url, cpuNanos() }; or { label, apps: [...], peers: [{ pid }] }) already started and
 * warmed up. Returns per variant the medians and the median per-round ratio to variants[0] of
 * req/s, CPU/request and p99.
 */
async function pairedRounds({ sink, variants, rounds, duration, connections, clients = [] }) {
  const runs = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => (i + round) % variants.length);
    for (const i of order) {
      runs[i].push(await run(variants[i], sink, { connections, duration, clients }));
    }
  }
  const ratio = (i, key) => median(runs[i].map((r, n) => r[key] / runs[0][n][key]));
  return variants.map((v, i) => ({
    label: v.label,
    rps: median(runs[i].map((r) => r.rps)),
    cpuMs: median(runs[i].map((r) => r.cpuMs)),
    peerCpuMs: median(runs[i].map((r) => r.peerCpuMs)),
    p50: median(runs[i].map((r) => r.p50)),
    p99: median(runs[i].map((r) => r.p99)),
    ok200: runs[i].reduce((s, r) => s + r.ok200, 0),
    received: runs[i].reduce((s, r) => s + r.received, 0),
    lost: runs[i].reduce((s, r) => s + r.lost, 0),
    busy: Object.fromEntries(
      Object.keys(runs[i][0].busy).map((k) => [k, median(runs[i].map((r) => r.busy[k]))]),
    ),
    rpsRatio: ratio(i, 'rps'),
    cpuRatio: ratio(i, 'cpuMs'),
    p99Ratio: ratio(i, 'p99'),
    runs: runs[i],
  }));
}

module.exports = { pairedRounds };
