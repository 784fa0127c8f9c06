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

/**
 * One closed-loop run over the variant's apps (`connections` split between them); CPU (all
 * threads) read once the sink is quiet, never across a scrape. `busy`: cores each process kept
 * busy while the load ran (CPU time / wall time) — the apps, the variant's `peers` (e.g. its
 * Redis servers), the sink and this process (autocannon) — to tell what limits a figure.
 */
async function run(variant, sink, { connections, duration, clients }) {
  const apps = variant.apps ?? [variant.app];
  const peers = variant.peers ?? [];
  const cpuOf = (pids) => pids.reduce((s, pid) => s + procs.cpuNanos(pid), 0);
  const appPids = apps.map((a) => a.pid);
  const peerPids = peers.map((p) => p.pid);
  const cpu0 = cpuOf(appPids);
  const busy0 = { apps: cpu0, peers: peerPids.map((pid) => cpuOf([pid])), sink: cpuOf([sink.pid]) };
  const self0 = process.cpuUsage();
  const sink0 = await sink.count();
  const t0 = process.hrtime.bigint();
  const per = Math.max(1, Math.floor(connections / apps.length));
  const rs = await Promise.all(
    apps.map((app) => fire({ url: `${app.url}/send-email`, connections: per, duration, clients })),
  );
  const wallNs = Number(process.hrtime.bigint() - t0);
  const self = process.cpuUsage(self0);
  const busy = {
    apps: (cpuOf(appPids) - busy0.apps) / wallNs,
    peers: 0,
    // The busiest peer: a single-threaded Redis near 1.0 is saturated.
    peerMax: 0,
    sink: (cpuOf([sink.pid]) - busy0.sink) / wallNs,
    load: ((self.user + self.system) * 1000) / wallNs,
  };
  peerPids.forEach((pid, i) => {
    const b = (cpuOf([pid]) - busy0.peers[i]) / wallNs;
    busy.peers += b;
    busy.peerMax = Math.max(busy.peerMax, b);
  });
  await quiet(sink);
  const received = (await sink.count()) - sink0;
  const total = rs.reduce((s, r) => s + r.total, 0);
  const ok200 = rs.reduce((s, r) => s + r.ok200, 0);
  const cpuMs = (cpuOf(appPids) - cpu0) / 1e6 / Math.max(1, total);
  const peerCpuMs =
    (cpuOf(peerPids) - busy0.peers.reduce((s, n) => s + n, 0)) / 1e6 / Math.max(1, total);
  return {
    rps: rs.reduce((s, r) => s + r.rps, 0),
    // With several apps, the slower one's percentiles.
    p50: Math.max(...rs.map((r) => r.p50)),
    p99: Math.max(...rs.map((r) => r.p99)),
    cpuMs,
    peerCpuMs,
    total,
    ok200,
    received,
    lost: Math.max(0, ok200 - received),
    busy,
  };
}

/**
 * variants: [{ label, app }] (or { label, apps: [...], peers: [{ pid }] }) already started and
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
