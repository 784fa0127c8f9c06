'use strict';
// `npm run bench`: builds nothing itself (the npm script runs `nest build` first), starts
// what each scenario needs on loopback, runs it BENCH_RUNS times for BENCH_DURATION seconds,
// stops everything and prints a Markdown table of medians. See docs/benchmarks.md.
//
//   node bench/run.js                 all scenarios
//   node bench/run.js --only=0,3      some of them (0..11; 0 is the headline: the default)
//   node bench/run.js --only=10       the default next to the original FastAPI app it grew from
//                                     (bench/reference/recipe_app.py; needs Debian's
//                                     python3-fastapi, see bench/reference.js; fails without)
//   node bench/run.js --only=9        the Redis driver on a Redis Cluster (3 masters it starts
//                                     and stops) next to the single Redis at 127.0.0.1:6379
//   node bench/run.js --only=11       100 KB text and html on the default, memory beside it
//   node bench/run.js --smoke         a few seconds of scenario 3, asserting no loss only
//   node bench/run.js --smoke=cluster the same through the redis driver on a Redis Cluster it
//                                     starts and stops (asserting no loss, nodes gone after)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const procs = require('./lib/procs');
const { fire, smtpCeiling, EMAIL } = require('./lib/load');
const { median, fmt } = require('./lib/stats');
const { measureInstrumentation } = require('./lib/instrumentation');
const { measureClient, PLAIN } = require('./lib/client-ceiling');
const { compareCpu } = require('./lib/cpu-compare');
const { headline, headlineRows } = require('./lib/headline');
const { clusterBench, clusterRows } = require('./lib/cluster');
const { startCluster } = require('./lib/redis-cluster');
const { referenceBench, referenceRows, recipeVersions } = require('./lib/reference');
const { LARGE_BODIES, largeRounds, largeFigures } = require('./lib/large');

const args = process.argv.slice(2);
const SMOKE_CLUSTER = args.includes('--smoke=cluster');
const SMOKE = args.includes('--smoke') || SMOKE_CLUSTER;
const onlyArg = args.find((a) => a.startsWith('--only='));
const ONLY = onlyArg ? new Set(onlyArg.slice(7).split(',').map(Number)) : undefined;
const envInt = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
};
const DURATION = envInt('BENCH_DURATION', 5);
const RUNS = envInt('BENCH_RUNS', 5);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 64);
const MEMORY_EMAILS = envInt('BENCH_MEMORY_EMAILS', 100_000);
const LARGE_REQUESTS = envInt('BENCH_LARGE_REQUESTS', 400);
const WARMUP_EMAILS = envInt('BENCH_MEMORY_WARMUP', 60_000);
const TIMEOUT_S = envInt('BENCH_TIMEOUT', SMOKE ? 60 : 900);
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const PROFILE_DIR = path.join(__dirname, 'profiles');
const wanted = (n) => !ONLY || ONLY.has(n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const hardStop = setTimeout(() => {
  log(`giving up after ${TIMEOUT_S} s (BENCH_TIMEOUT)`);
  void procs.stopAll().finally(() => process.exit(2));
}, TIMEOUT_S * 1000);
hardStop.unref();

function appEnv(sink, extra = {}) {
  return {
    SMTP_URL: sink.url,
    // Scenarios 3–7 keep the memory queue (comparable across versions); 8 compares the spool.
    QUEUE_DRIVER: 'memory',
    ENABLE_METRICS: 'true',
    // The correctness checks read email_sent_total right after a run: no stale cached body.
    METRICS_CACHE_MS: '0',
    // SMTP_TRANSPORT=mailer node bench/run.js: the same scenarios through nodemailer's pool.
    ...(process.env.SMTP_TRANSPORT ? { SMTP_TRANSPORT: process.env.SMTP_TRANSPORT } : {}),
    ...extra,
  };
}

function startApp(env, label, options = {}) {
  const nodeArgs = PROFILE
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${PROFILE_DIR}`,
        `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`,
      ]
    : [];
  return procs.startApp(env, { nodeArgs, ...options });
}

/** Waits until the app has resolved everything it accepted and the sink count is stable. */
async function settle(app, sink, { metrics = true, maxMs = 30_000 } = {}) {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const count = await sink.count();
    const queued = metrics ? procs.metricSum(await procs.scrape(app.url), 'email_queue_size') : 0;
    if (count !== last) {
      last = count;
      stableSince = Date.now();
    } else if (queued === 0 && Date.now() - stableSince >= 300) {
      return;
    }
    await sleep(100);
  }
  log('warning: app did not settle within 30 s');
}

/** One end-to-end run against one or more app instances sharing the sink. */
async function endToEnd(
  apps,
  sink,
  { duration = DURATION, amount, metrics = true, connections = CONNECTIONS } = {},
) {
  const sinkBefore = await sink.count();
  const sentBefore = metrics ? await sentSuccess(apps) : 0;
  // App CPU time spent on the run's requests (until their emails settled): unlike
  // requests/s, it barely moves when the sink or the load generator compete for the cores.
  const cpuBefore = apps.reduce((s, app) => s + procs.cpuSeconds(app.pid), 0);
  const per = Math.max(1, Math.floor(connections / apps.length));
  const results = await Promise.all(
    apps.map((app) =>
      fire({
        url: `${app.url}/send-email`,
        connections: per,
        duration,
        amount: amount === undefined ? undefined : Math.floor(amount / apps.length),
        clients: CLIENTS,
      }),
    ),
  );
  // CPU is read once the sink is quiet and before any scrape: settle() scrapes /metrics in
  // metrics mode, which would bill the on-variant for the benchmark's own polling.
  for (const app of apps) await settle(app, sink, { metrics: false });
  const cpuSeconds = apps.reduce((s, app) => s + procs.cpuSeconds(app.pid), 0) - cpuBefore;
  if (metrics) for (const app of apps) await settle(app, sink, { metrics });
  const received = (await sink.count()) - sinkBefore;
  const sent = metrics ? (await sentSuccess(apps)) - sentBefore : NaN;
  const ok200 = results.reduce((s, r) => s + r.ok200, 0);
  const total = results.reduce((s, r) => s + r.total, 0);
  return {
    cpuMsPerRequest:
      (cpuSeconds * 1000) /
      Math.max(
        1,
        results.reduce((s, r) => s + r.total, 0),
      ),
    rps: results.reduce((s, r) => s + r.rps, 0),
    // With several apps, the slower instance's percentiles.
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    ok200,
    total,
    non200: total - ok200,
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    received,
    sent,
    lost: Math.max(0, ok200 - received),
  };
}

async function sentSuccess(apps) {
  let sum = 0;
  for (const app of apps)
    sum += procs.metricSum(await procs.scrape(app.url), 'email_sent_total', { status: 'success' });
  return sum;
}

async function warmUp(app, sink, { metrics = true, seconds = 2 } = {}) {
  await fire({
    url: `${app.url}/send-email`,
    connections: CONNECTIONS,
    duration: seconds,
    clients: CLIENTS,
  });
  // The tail of the warm-up must not reach the sink during the next measured run.
  await settle(app, sink, { metrics });
}

// ---------------------------------------------------------------------------------------

async function ceilingA() {
  const bare = await procs.startBareHttp();
  try {
    await fire({ url: bare.url, connections: CONNECTIONS, duration: 1 });
    const runs = [];
    for (let i = 0; i < RUNS; i++)
      runs.push(await fire({ url: bare.url, connections: CONNECTIONS, duration: DURATION }));
    return summarize(runs);
  } finally {
    await bare.stop();
  }
}

async function ceilingB(sink) {
  const runs = [];
  await smtpCeiling({ smtpUrl: sink.url, seconds: 1 });
  for (let i = 0; i < RUNS; i++)
    runs.push(await smtpCeiling({ smtpUrl: sink.url, seconds: DURATION }));
  const nagleOff =
    process.env.BENCH_SKIP_NAGLE === '1'
      ? undefined
      : await smtpCeiling({ smtpUrl: sink.url, seconds: Math.min(DURATION, 5), nagle: true });
  // The client alone, engine vs nodemailer, interleaved, CPU per message measured alike.
  const clients = { engine: [], nodemailer: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of i % 2 === 0 ? ['engine', 'nodemailer'] : ['nodemailer', 'engine']) {
      clients[kind].push(
        await measureClient({ kind, message: PLAIN, sink, seconds: DURATION, dist: procs.DIST }),
      );
    }
  }
  return {
    mps: median(runs.map((r) => r.mps)),
    runs,
    failed: runs.reduce((s, r) => s + r.failed, 0),
    nagle: nagleOff,
    clients,
  };
}

async function endToEndAndOverhead(sink) {
  const on = await startApp(appEnv(sink, { ENABLE_METRICS: 'true' }), 'e2e-metrics-on');
  const off = await startApp(appEnv(sink, { ENABLE_METRICS: 'false' }), 'e2e-metrics-off');
  try {
    await warmUp(on, sink);
    await warmUp(off, sink, { metrics: false });
    const onRuns = [];
    const offRuns = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, alternating which goes first, so drift and noise hit both alike.
      const order = i % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const which of order) {
        if (which === 'on') onRuns.push(await endToEnd([on], sink));
        else offRuns.push(await endToEnd([off], sink, { metrics: false }));
      }
    }
    return { on: summarize(onRuns), off: summarize(offRuns) };
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}

/** Scenario 4: metrics on vs off, app CPU per request under one controlled load (cpu-compare.js). */
function metricsOverhead(sink) {
  return compareCpu({
    sink,
    startApp,
    appEnv,
    variants: [
      { label: 'metrics off', env: { ENABLE_METRICS: 'false' } },
      { label: 'metrics on', env: { ENABLE_METRICS: 'true' } },
    ],
    rate: envInt('BENCH_CPU_RATE', 600),
    requests: envInt('BENCH_CPU_REQUESTS', 3000),
    rounds: envInt('BENCH_CPU_ROUNDS', 16),
    clients: CLIENTS,
  });
}

async function scrapeCost(sink) {
  const app = await startApp(
    appEnv(sink, { METRICS_MAX_CLIENTS: '1000', METRICS_CACHE_MS: '0' }),
    'scrape',
  );
  try {
    const clients = Array.from({ length: 100 }, (_, i) => `client-${String(i).padStart(3, '0')}`);
    await fire({ url: `${app.url}/send-email`, connections: 16, amount: 300, clients });
    // Permanent 550s from the sink: failure series for every client too.
    await fire({
      url: `${app.url}/send-email`,
      connections: 16,
      amount: 100,
      clients,
      body: { ...EMAIL, to: 'reject@bench.invalid' },
    });
    await settle(app, sink);
    const series = procs.seriesCount(await procs.scrape(app.url));
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const cpu0 = procs.cpuSeconds(app.pid);
      const r = await fire({
        url: `${app.url}/metrics`,
        method: 'GET',
        connections: 1,
        duration: DURATION,
      });
      const cpu = procs.cpuSeconds(app.pid) - cpu0;
      runs.push({ ...r, cpuMsPerScrape: (cpu * 1000) / r.total });
    }
    return {
      series,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      rps: median(runs.map((r) => r.rps)),
      cpuMs: median(runs.map((r) => r.cpuMsPerScrape)),
    };
  } finally {
    await app.stop();
  }
}

/**
 * Scenario 6: RSS over MEMORY_EMAILS emails, checked at four points. The warm-up is long
 * (60,000 emails): V8 keeps growing its heap for the first ~50,000 sends of a fresh process
 * (retention fills to EMAIL_RETENTION_MAX, the old generation settles), which is warm-up, not
 * a leak; "flat" is judged after it.
 */
async function memory(sink) {
  const app = await startApp(appEnv(sink), 'memory');
  const rss = async () =>
    procs.metricSum(await procs.scrape(app.url), 'process_resident_memory_bytes');
  try {
    await endToEnd([app], sink, { amount: WARMUP_EMAILS });
    await sleep(1000);
    const before = await rss();
    const checkpoints = [];
    const runs = [];
    for (let i = 0; i < 4; i++) {
      runs.push(await endToEnd([app], sink, { amount: Math.ceil(MEMORY_EMAILS / 4) }));
      await sleep(1000);
      checkpoints.push(await rss());
    }
    const after = checkpoints[checkpoints.length - 1];
    const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
    return {
      before,
      after,
      checkpoints,
      growth: after - before,
      ok200: sum('ok200'),
      lost: sum('lost'),
    };
  } finally {
    await app.stop();
  }
}

async function dropRedisPrefix(prefix) {
  const Redis = require('ioredis');
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

function redisReachable() {
  return new Promise((resolve) => {
    const socket = net.connect(6379, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function redisDriver(sink) {
  if (!(await redisReachable())) return { na: 'n/a (no Redis at 127.0.0.1:6379)' };
  const Redis = require('ioredis');
  const redis = new Redis({
    host: '127.0.0.1',
    port: 6379,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  await redis.connect();
  const prefix = `mailwatch-bench-${process.pid}`;
  const env = appEnv(sink, {
    QUEUE_DRIVER: 'redis',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
  });
  const apps = [];
  try {
    try {
      apps.push(await startApp(env, 'redis-1'));
    } catch (err) {
      log(`redis driver: ${err.message}`);
      return { na: 'n/a (driver not available)' };
    }
    const probe = await fire({ url: `${apps[0].url}/send-email`, connections: 1, amount: 1 });
    const keys = await redis.keys(`${prefix}*`);
    // An app that ignores QUEUE_DRIVER=redis starts fine on the memory queue: only keys
    // under our prefix show that the redis driver carried the email.
    if (probe.ok200 !== 1 || keys.length === 0) return { na: 'n/a (driver not available)' };
    await warmUp(apps[0], sink);
    const one = [];
    for (let i = 0; i < RUNS; i++) one.push(await endToEnd(apps, sink));
    apps.push(await startApp(env, 'redis-2'));
    await warmUp(apps[1], sink);
    const two = [];
    for (let i = 0; i < RUNS; i++) two.push(await endToEnd(apps, sink));
    return { one: summarize(one), two: summarize(two) };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

/**
 * Scenario 11: 100 KB text and 100 KB html (bench/lib/large.js) on the default configuration,
 * the memory driver beside it, paired rounds at 8 connections: app CPU per request, the figure
 * issue 20's large-message targets are set in.
 */
async function largeMessages(sink) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-bench-large-'));
  const apps = [];
  try {
    const variants = [
      ['spool (default)', { QUEUE_DRIVER: 'spool', SPOOL_PATH: path.join(dir, 'spool.db') }],
      ['memory', { QUEUE_DRIVER: 'memory' }],
    ];
    for (const [label, env] of variants)
      apps.push({ label, app: await startApp(appEnv(sink, env), `large-${label.split(' ')[0]}`) });
    await largeRounds({
      sink,
      apps,
      rounds: RUNS,
      requests: LARGE_REQUESTS,
      connections: 8,
      clients: CLIENTS,
    });
    return {
      requests: LARGE_REQUESTS,
      apps: apps.map(({ label, cpu, non200 }) => ({ label, cpu, non200 })),
    };
  } finally {
    await Promise.all(apps.map((a) => a.app.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Scenario 9: bench/lib/cluster.js; n/a without the single Redis or redis-server. */
async function redisCluster(sink) {
  if (!(await redisReachable())) return { na: 'n/a (no Redis at 127.0.0.1:6379)' };
  const { spawnSync } = require('node:child_process');
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return { na: 'n/a (no redis-server binary to start a cluster)' };
  return clusterBench({
    sink,
    startApp,
    appEnv,
    rounds: RUNS,
    duration: DURATION,
    connections: CONNECTIONS,
    clients: CLIENTS,
  });
}

/** Scenario 8: the default spool driver (SPOOL_SYNCHRONOUS=full) against memory, interleaved. */
async function spoolDriver(sink) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-bench-spool-'));
  const spool = await startApp(
    appEnv(sink, {
      QUEUE_DRIVER: 'spool',
      SPOOL_PATH: path.join(dir, 'spool.db'),
      SPOOL_SYNCHRONOUS: process.env.BENCH_SPOOL_SYNCHRONOUS ?? 'full',
    }),
    'spool',
  );
  const memory = await startApp(appEnv(sink, { QUEUE_DRIVER: 'memory' }), 'spool-vs-memory');
  try {
    await warmUp(spool, sink);
    await warmUp(memory, sink);
    const spoolRuns = [];
    const memoryRuns = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? ['spool', 'memory'] : ['memory', 'spool'];
      for (const which of order) {
        if (which === 'spool') spoolRuns.push(await endToEnd([spool], sink));
        else memoryRuns.push(await endToEnd([memory], sink));
      }
    }
    return { spool: summarize(spoolRuns), memory: summarize(memoryRuns) };
  } finally {
    await Promise.all([spool.stop(), memory.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(runs) {
  const sum = (k) => runs.reduce((s, r) => s + (r[k] ?? 0), 0);
  return {
    rps: median(runs.map((r) => r.rps)),
    cpuMs: median(runs.map((r) => r.cpuMsPerRequest)),
    cpuRuns: runs.map((r) => r.cpuMsPerRequest),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    ok200: sum('ok200'),
    received: sum('received'),
    sent: runs.every((r) => Number.isFinite(r.sent)) ? sum('sent') : NaN,
    lost: sum('lost'),
    non200: sum('non200'),
    errors: sum('errors'),
    runs: runs.map((r) => Math.round(r.rps)),
  };
}

// ---------------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    memGiB: os.totalmem() / 2 ** 30,
    load: os.loadavg()[0],
  };
}

const pct = (ratio) => `${ratio >= 1 ? '+' : '−'}${fmt(Math.abs(ratio - 1) * 100, 1)} %`;

function report(r) {
  const m = r.machine;
  const lines = [];
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${fmt(m.memGiB, 1)} GiB, Node ${m.node}, ${m.os}; load average at start ${fmt(m.load, 2)}.`,
  );
  lines.push(
    `Settings: ${RUNS} runs × ${DURATION} s, ${CONNECTIONS} connections, SMTP pool 5, delivery concurrency 64; figures are medians. ${new Date().toISOString()}`,
  );
  lines.push('');
  lines.push('| # | scenario | figure | median | runs / notes |');
  lines.push('|---|---|---|---|---|');
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
  const headlineTargets = r.headline ? headlineRows(r.headline, fmt) : undefined;
  if (headlineTargets) headlineTargets.rows.forEach((cells) => row(...cells));
  const e2eRow = (n, name, s) => {
    row(n, name, 'requests/s', fmt(s.rps), s.runs.join(', '));
    row('', '', 'p50 / p99 latency', `${fmt(s.p50)} / ${fmt(s.p99)} ms`, '');
    row(
      '',
      '',
      '200s / at sink / `email_sent_total`',
      `${fmt(s.ok200)} / ${fmt(s.received)} / ${Number.isNaN(s.sent) ? 'n/a' : fmt(s.sent)}`,
      `lost: ${s.lost}, non-200: ${s.non200}, errors: ${s.errors}`,
    );
  };
  if (r.a) {
    row(1, 'Ceiling A: bare `node:http`', 'requests/s', fmt(r.a.rps), r.a.runs.join(', '));
    row('', '', 'p50 / p99 latency', `${fmt(r.a.p50)} / ${fmt(r.a.p99)} ms`, '');
  }
  if (r.b) {
    row(
      2,
      'Ceiling B: raw SMTP (app transport options, 64 in flight)',
      'messages/s',
      fmt(r.b.mps),
      r.b.runs.map((x) => Math.round(x.mps)).join(', '),
    );
    if (r.b.nagle)
      row(
        '',
        'Ceiling B without the no-delay `getSocket` hook',
        'messages/s',
        fmt(r.b.nagle.mps),
        'one run (Nagle on)',
      );
    for (const kind of ['engine', 'nodemailer']) {
      const runs = r.b.clients[kind];
      const label =
        kind === 'engine'
          ? 'SMTP client alone: delivery engine (plain text)'
          : 'SMTP client alone: nodemailer pool (plain text)';
      const lost = runs.reduce((n, x) => n + x.lost + x.failed, 0);
      row(
        '',
        label,
        'msg/s; CPU ms/message',
        `${fmt(median(runs.map((x) => x.mps)))}; ${median(runs.map((x) => x.cpuMs)).toFixed(3)}`,
        `${runs.map((x) => x.cpuMs.toFixed(3)).join(', ')} ms; lost/failed ${lost}`,
      );
    }
  }
  if (r.e2e) {
    e2eRow(3, 'End-to-end `POST /send-email` (metrics on)', r.e2e.on);
    row(
      '',
      '',
      'app CPU per request',
      `${fmt(r.e2e.on.cpuMs, 3)} ms`,
      `${r.e2e.on.cpuRuns.map((x) => x.toFixed(3)).join(', ')}`,
    );
    e2eRow('', 'same, `ENABLE_METRICS=false`', r.e2e.off);
    row(
      '',
      '',
      'app CPU per request',
      `${fmt(r.e2e.off.cpuMs, 3)} ms`,
      "closed loop: each variant's speed shapes its own load; scenario 4 compares CPU under one load",
    );
  }
  if (r.overhead) {
    const o = r.overhead;
    const how = `variants side by side, each an open loop of ${fmt(o.rate)} req/s, ${o.rounds} rounds × ${fmt(o.requests)} requests, ${o.pinned ? 'apps pinned to CPU 1, load + sink to CPU 0' : 'not pinned'}`;
    const [off, control, on] = o.variants;
    row(
      4,
      'Metrics overhead (app CPU per request, one controlled load)',
      'on / off',
      `${fmt(on.cpuMs, 3)} / ${fmt(off.cpuMs, 3)} ms: **${pct(on.ratio)}**`,
      `median of per-round ratios (range ${pct(on.min)} … ${pct(on.max)}); ${how}`,
    );
    row(
      '',
      '',
      'A/A control: off vs a second copy of off',
      pct(control.ratio),
      `range ${pct(control.min)} … ${pct(control.max)}: the method's noise floor in this run`,
    );
    if (r.instrumentationUs !== undefined) {
      row(
        '',
        '',
        'metrics work per request, in-process',
        `${fmt(r.instrumentationUs, 2)} µs (${fmt((r.instrumentationUs / 1000 / off.cpuMs) * 100, 2)} % of app CPU per request)`,
        'HTTP hooks + one attempt + one outcome, real classes',
      );
    }
  }
  if (r.scrape) {
    row(
      5,
      `Scrape \`GET /metrics\`, ${fmt(r.scrape.series)} series, cache off`,
      'p50 / p99 latency',
      `${fmt(r.scrape.p50, 1)} / ${fmt(r.scrape.p99, 1)} ms`,
      `${fmt(r.scrape.rps)} scrapes/s, 1 connection`,
    );
    row('', '', 'app CPU per scrape', `${fmt(r.scrape.cpuMs, 2)} ms`, '');
  }
  if (r.memory) {
    const mb = (b) => `${fmt(b / 2 ** 20, 1)} MiB`;
    row(
      6,
      `Memory over ${fmt(r.memory.ok200)} emails (after ${fmt(WARMUP_EMAILS)} warm-up)`,
      'RSS before → after',
      `${mb(r.memory.before)} → ${mb(r.memory.after)}`,
      `every quarter: ${r.memory.checkpoints.map(mb).join(', ')}; growth ${mb(r.memory.growth)}; lost ${r.memory.lost}`,
    );
  }
  if (r.redis) {
    if (r.redis.na) row(7, 'Redis driver', 'requests/s', r.redis.na, '');
    else {
      e2eRow(7, 'Redis driver, one app', r.redis.one);
      e2eRow('', 'Redis driver, two apps', r.redis.two);
    }
  }
  if (r.spool) {
    e2eRow(8, 'Spool driver (default, `SPOOL_SYNCHRONOUS=full`)', r.spool.spool);
    e2eRow('', 'same load, memory driver', r.spool.memory);
    row(
      '',
      '',
      'app CPU per request spool / memory',
      `${fmt(r.spool.spool.cpuMs, 3)} / ${fmt(r.spool.memory.cpuMs, 3)} ms (${fmt((r.spool.spool.cpuMs / r.spool.memory.cpuMs - 1) * 100, 1)} %)`,
      'interleaved runs',
    );
  }
  if (r.cluster) {
    if (r.cluster.na) row(9, 'Redis driver on a Redis Cluster', 'requests/s', r.cluster.na, '');
    else clusterRows(r.cluster, fmt).rows.forEach((cells) => row(...cells));
  }
  const reference = r.reference ? referenceRows(r.reference, fmt) : undefined;
  if (reference) reference.rows.forEach((cells) => row(...cells));
  const large = r.large ? largeRows(r.large) : undefined;
  if (large) large.rows.forEach((cells) => row(...cells));
  lines.push('');
  lines.push('Targets:');
  const target = (ok, text) => lines.push(`- ${ok ? '✅' : '❌'} ${text}`);
  if (headlineTargets) headlineTargets.targets.forEach(([ok, text]) => target(ok, text));
  if (r.b && r.b.clients) {
    const cpu = median(r.b.clients.engine.map((x) => x.cpuMs));
    target(cpu <= 0.08, `delivery engine ${cpu.toFixed(3)} ms CPU per plain message (≤ 0.08 ms)`);
  }
  if (r.e2e) {
    target(
      r.e2e.on.rps >= 2500 && r.e2e.on.lost === 0,
      `end to end ${fmt(r.e2e.on.rps)} req/s with the caller waiting for SMTP acceptance (≥ 2,500), ${r.e2e.on.lost} lost`,
    );
    target(
      r.e2e.on.cpuMs <= 0.35,
      `app CPU ${fmt(r.e2e.on.cpuMs, 3)} ms per request with metrics on (≤ 0.35 ms)`,
    );
  }
  if (r.overhead) {
    const on = r.overhead.variants[2];
    target(
      on.ratio - 1 <= 0.05,
      `metrics on vs off ${pct(on.ratio)} of the app's CPU per request (≤ 5 %)`,
    );
  }
  if (r.spool) {
    const cost = r.spool.spool.cpuMs / r.spool.memory.cpuMs - 1;
    target(
      cost <= 0.1 && r.spool.spool.lost === 0,
      `spool costs ${fmt(cost * 100, 1)} % of the app's CPU per request vs memory (≤ 10 %), ${r.spool.spool.lost} lost`,
    );
  }
  if (reference) reference.targets.forEach(([ok, text]) => target(ok, text));
  if (large) large.targets.forEach(([ok, text]) => target(ok, text));
  if (r.redis && !r.redis.na) {
    const { one, two } = r.redis;
    target(
      two.rps > one.rps && one.lost + two.lost === 0,
      `two apps on one Redis ${fmt(two.rps)} req/s = ×${(two.rps / one.rps).toFixed(2)} of one app's ${fmt(one.rps)} (> 1; not paired: one app's runs, then two), ${one.lost + two.lost} lost`,
    );
  }
  if (r.cluster && !r.cluster.na) {
    const { lost } = clusterRows(r.cluster, fmt);
    target(lost === 0, `Redis Cluster scenario: ${lost} lost (every 200 at the sink)`);
  }
  if (r.scrape)
    target(
      r.scrape.p99 <= 10,
      `/metrics p99 ${fmt(r.scrape.p99, 1)} ms with ${r.scrape.series} series (≤ 10 ms)`,
    );
  if (r.memory)
    target(
      r.memory.growth <= 0.05 * r.memory.before && r.memory.lost === 0,
      `RSS flat over ${fmt(r.memory.ok200)} emails: ${r.memory.growth >= 0 ? '+' : '−'}${fmt(Math.abs(r.memory.growth) / 2 ** 20, 1)} MiB (≤ 5 % of ${fmt(r.memory.before / 2 ** 20, 0)} MiB), ${r.memory.lost} lost`,
    );
  return lines.join('\n');
}

/** Scenario 11's rows and its two targets (issue 20: text ≤ 1.2 ms, html ≤ 2 ms, default). */
function largeRows(large) {
  const rows = [];
  const targets = [];
  const [spool] = large.apps;
  for (const kind of Object.keys(LARGE_BODIES)) {
    const bytes = Buffer.byteLength(LARGE_BODIES[kind][kind]);
    for (const a of large.apps) {
      const { cpuMs, ratio } = largeFigures(a, spool, kind);
      rows.push([
        rows.length === 0 ? 11 : '',
        `${fmt(bytes / 1000, 0)} KB ${kind}, ${a.label}, 8 connections`,
        'app CPU ms per request',
        cpuMs.toFixed(3),
        `${a === spool ? '' : `vs default (paired median): ×${ratio.toFixed(2)}; `}rounds ${a.cpu[kind].map((x) => x.toFixed(2)).join(', ')} (${fmt(large.requests)} requests each); non-200: ${a.non200}`,
      ]);
    }
    const limit = kind === 'text' ? 1.2 : 2;
    const cpuMs = median(spool.cpu[kind]);
    targets.push([
      cpuMs <= limit && spool.non200 === 0,
      `default, 100 KB ${kind}: ${cpuMs.toFixed(3)} ms app CPU per request (≤ ${limit} ms)`,
    ]);
  }
  return { rows, targets };
}

async function smoke() {
  const amount = envInt('BENCH_SMOKE_REQUESTS', 300);
  const sink = await procs.startSink();
  let app;
  let cluster;
  const result = { requests: amount };
  try {
    let env = appEnv(sink);
    if (SMOKE_CLUSTER) {
      cluster = await startCluster();
      result.clusterNodes = cluster.nodes.length;
      env = appEnv(sink, {
        QUEUE_DRIVER: 'redis',
        REDIS_CLUSTER_NODES: cluster.nodeList,
        REDIS_PREFIX: `mailwatch-smoke-${process.pid}`,
        REDIS_WAIT_REPLICAS: '0',
      });
    }
    app = await startApp(env, SMOKE_CLUSTER ? 'smoke-cluster' : 'smoke');
    const run = await endToEnd([app], sink, { amount, connections: 8 });
    Object.assign(result, {
      ok200: run.ok200,
      received: run.received,
      sent: run.sent,
      lost: run.lost,
      non200: run.non200,
    });
  } finally {
    await app?.stop();
    if (cluster) {
      await cluster.stop();
      const alive = (pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      result.clusterStopped =
        cluster.nodes.every((n) => !alive(n.pid)) && !fs.existsSync(cluster.dir);
    }
    await sink.stop();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok =
    result.ok200 === amount &&
    result.received === amount &&
    result.sent === amount &&
    (!SMOKE_CLUSTER || result.clusterStopped === true);
  if (!ok) log('smoke FAILED: every request must be answered 200 and reach the sink, counted once');
  return ok;
}

async function main() {
  if (SMOKE) {
    process.exitCode = (await smoke()) ? 0 : 1;
    return;
  }
  if (PROFILE) fs.mkdirSync(PROFILE_DIR, { recursive: true });
  // Before any scenario runs: a missing Python stack fails the run at once, not after minutes.
  if (wanted(10)) recipeVersions();
  const results = { machine: machine() };
  const sink = await procs.startSink();
  try {
    if (wanted(0)) {
      log('0: headline, the default configuration vs memory and redis, paired rounds');
      const prefix = `mailwatch-bench-headline-${process.pid}`;
      const redis = (await redisReachable())
        ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix }
        : undefined;
      try {
        results.headline = await headline({
          sink,
          startApp,
          appEnv,
          redis,
          rounds: RUNS,
          duration: DURATION,
          connections: CONNECTIONS,
          clients: CLIENTS,
        });
      } finally {
        if (redis) await dropRedisPrefix(prefix);
      }
    }
    if (wanted(1)) (log('1: Ceiling A'), (results.a = await ceilingA()));
    if (wanted(2)) (log('2: Ceiling B'), (results.b = await ceilingB(sink)));
    if (wanted(3))
      (log('3: end-to-end, metrics on and off'), (results.e2e = await endToEndAndOverhead(sink)));
    if (wanted(4)) {
      log('4: metrics on vs off, CPU per request at a fixed rate');
      results.overhead = await metricsOverhead(sink);
      results.instrumentationUs = measureInstrumentation(procs.DIST);
    }
    if (wanted(5)) (log('5: scrape cost'), (results.scrape = await scrapeCost(sink)));
    if (wanted(6))
      (log(`6: memory over ${MEMORY_EMAILS} emails`), (results.memory = await memory(sink)));
    if (wanted(7)) (log('7: redis driver'), (results.redis = await redisDriver(sink)));
    if (wanted(8)) (log('8: spool vs memory'), (results.spool = await spoolDriver(sink)));
    if (wanted(9)) {
      log('9: redis driver on a Redis Cluster vs one Redis, paired rounds');
      results.cluster = await redisCluster(sink);
    }
    if (wanted(10)) {
      log('10: the default vs the original FastAPI app (reconstruction), paired rounds');
      results.reference = await referenceBench({
        sink,
        startApp: (env, label) => startApp(env, label),
        rounds: RUNS,
        duration: DURATION,
        connectionsList: [...new Set([32, CONNECTIONS])],
        clients: CLIENTS,
      });
    }
    if (wanted(11)) {
      log('11: 100 KB text and html, the default vs memory, paired rounds');
      results.large = await largeMessages(sink);
    }
  } finally {
    await procs.stopAll();
  }
  const table = report(results);
  process.stdout.write(`${table}\n`);
  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'latest.md'), `${table}\n`);
  fs.writeFileSync(path.join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch(async (err) => {
  log(err.stack ?? String(err));
  await procs.stopAll();
  process.exit(1);
});
