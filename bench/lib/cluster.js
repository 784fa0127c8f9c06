'use strict';
// Scenario 9: the Redis driver on a Redis Cluster next to the single Redis at 127.0.0.1:6379,
// in paired interleaved rounds (bench/lib/paired.js), every relative figure a median of
// per-round ratios. The cluster (bench/lib/redis-cluster.js: 3 masters, no replicas, so
// REDIS_WAIT_REPLICAS=0 like the single Redis) is started here and always stopped.
//
// Every variant has its own REDIS_PREFIX (an idle app on a shared prefix would take other
// variants' jobs). All of mailwatch's keys share the prefix's hash tag, so one prefix is one
// queue on one shard; "two shards" runs two apps on two prefixes whose tags land on two
// different masters — what sharding the queue would give — against two apps on one prefix.
const { fire } = require('./load');
const { median } = require('./stats');
const { quiet } = require('./cpu-compare');
const { pairedRounds } = require('./paired');
const { startCluster, redisPid, withClient } = require('./redis-cluster');

/** Two prefixes whose hash tags are served by two different masters, plus one more. */
async function choosePrefixes(cluster, base) {
  const byMaster = new Map();
  for (let n = 0; n < 200 && byMaster.size < cluster.nodes.length; n++) {
    const prefix = `${base}-${n}`;
    const master = await cluster.masterOf(prefix);
    if (!byMaster.has(master)) byMaster.set(master, prefix);
  }
  const [a, b] = [...byMaster.entries()];
  if (!b) throw new Error('could not find prefixes on two different masters');
  return { a: { prefix: a[1], master: a[0] }, b: { prefix: b[1], master: b[0] } };
}

async function dropPrefixes(port, prefixes) {
  await withClient(port, async (redis) => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
}

async function clusterBench({ sink, startApp, appEnv, rounds, duration, connections, clients }) {
  const base = `mwbench9-${process.pid}`;
  const singlePid = await redisPid(6379);
  const single = (prefix) => ({
    QUEUE_DRIVER: 'redis',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
  });
  const singlePrefixes = [];
  const apps = [];
  let cluster;
  try {
    cluster = await startCluster();
    const onCluster = (prefix) => ({
      QUEUE_DRIVER: 'redis',
      REDIS_CLUSTER_NODES: cluster.nodeList,
      REDIS_PREFIX: prefix,
      // No replicas in this cluster: acknowledge on the master's word, as the single Redis does.
      REDIS_WAIT_REPLICAS: '0',
    });
    const shards = await choosePrefixes(cluster, `${base}-c`);
    const clusterPeers = cluster.nodes.map((n) => ({ pid: n.pid }));
    const oneShard = await choosePrefixes(cluster, `${base}-s`);
    const oneApp = await choosePrefixes(cluster, `${base}-o`);
    // [label, [env per app], peers, what it stands for]
    const specs = [
      ['single Redis, 1 app', [single(`${base}-1`)], 'single'],
      ['cluster, 1 app', [onCluster(oneApp.a.prefix)], 'cluster'],
      ['single Redis, 2 apps, 1 prefix', [single(`${base}-2`), single(`${base}-2`)], 'single'],
      ['single Redis, 2 apps, 2 prefixes', [single(`${base}-3a`), single(`${base}-3b`)], 'single'],
      [
        'cluster, 2 apps, 1 prefix (1 shard)',
        [onCluster(oneShard.a.prefix), onCluster(oneShard.a.prefix)],
        'cluster',
      ],
      [
        'cluster, 2 apps, 2 prefixes on 2 masters (2 shards)',
        [onCluster(shards.a.prefix), onCluster(shards.b.prefix)],
        'cluster',
      ],
    ];
    for (const [, envs, kind] of specs)
      if (kind === 'single') singlePrefixes.push(...envs.map((e) => e.REDIS_PREFIX));
    const variants = [];
    for (const [label, envs, kind] of specs) {
      const started = [];
      for (const [i, env] of envs.entries()) {
        const app = await startApp(appEnv(sink, env), `cluster9-${variants.length}-${i}`);
        apps.push(app);
        started.push(app);
      }
      await Promise.all(
        started.map((app) =>
          fire({
            url: `${app.url}/send-email`,
            connections: Math.max(1, Math.floor(connections / started.length)),
            duration: 2,
            clients,
          }),
        ),
      );
      await quiet(sink);
      const peers = kind === 'single' ? [{ pid: singlePid }] : clusterPeers;
      variants.push({ label, apps: started, peers });
    }
    const results = await pairedRounds({ sink, variants, rounds, duration, connections, clients });
    return {
      rounds,
      duration,
      connections,
      cluster: { masters: cluster.nodes.length, shards, oneShard, oneApp },
      variants: results,
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await cluster?.stop();
    await dropPrefixes(6379, singlePrefixes).catch(() => undefined);
  }
}

/** Median of the per-round ratios a/b (same round index: paired). */
function pairRatio(a, b, key) {
  return median(a.runs.map((r, n) => r[key] / b.runs[n][key]));
}

/** Markdown rows, and the paired comparisons, for the report (run.js). */
function clusterRows(c, fmt) {
  const rows = [];
  const v = c.variants;
  const ref = v[0];
  v.forEach((x, i) => {
    const b = x.busy;
    rows.push([
      i === 0 ? 9 : '',
      x.label,
      'req/s; app CPU ms/req; Redis CPU ms/req; p50 / p99',
      `${fmt(x.rps)}; ${x.cpuMs.toFixed(3)}; ${x.peerCpuMs.toFixed(3)}; ${fmt(x.p50)} / ${fmt(x.p99)} ms`,
      `vs ${ref.label} (paired): req/s ×${x.rpsRatio.toFixed(2)}, app CPU ×${x.cpuRatio.toFixed(2)}; cores busy: apps ${b.apps.toFixed(2)} (busiest ${b.appMax.toFixed(2)}), Redis ${b.peers.toFixed(2)} (busiest ${b.peerMax.toFixed(2)}), sink ${b.sink.toFixed(2)}, load ${b.load.toFixed(2)}, idle ${b.idle.toFixed(2)}; 200s ${fmt(x.ok200)} / at sink ${fmt(x.received)}, lost ${x.lost}`,
    ]);
  });
  const find = (start) => v.find((x) => x.label.startsWith(start));
  const pairs = [
    ['cluster vs single, 1 app', find('cluster, 1 app'), find('single Redis, 1 app')],
    [
      'cluster vs single, 2 apps, 1 prefix',
      find('cluster, 2 apps, 1 prefix'),
      find('single Redis, 2 apps, 1 prefix'),
    ],
    [
      '2 shards vs 1 shard (cluster, 2 apps)',
      find('cluster, 2 apps, 2 prefixes'),
      find('cluster, 2 apps, 1 prefix'),
    ],
    [
      '2 prefixes vs 1 prefix (single Redis, 2 apps)',
      find('single Redis, 2 apps, 2 prefixes'),
      find('single Redis, 2 apps, 1 prefix'),
    ],
  ];
  for (const [label, a, b] of pairs) {
    rows.push([
      '',
      label,
      'paired median: req/s, app CPU/req, p99',
      `×${pairRatio(a, b, 'rps').toFixed(2)}, ×${pairRatio(a, b, 'cpuMs').toFixed(2)}, ×${pairRatio(a, b, 'p99').toFixed(2)}`,
      `${c.rounds} rounds × ${c.duration} s, ${c.connections} connections split over the apps`,
    ]);
  }
  const lost = v.reduce((s, x) => s + x.lost, 0);
  return { rows, lost };
}

module.exports = { clusterBench, clusterRows, pairRatio };
