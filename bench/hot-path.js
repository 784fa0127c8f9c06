'use strict';
// App CPU per `POST /send-email`, builds side by side: the figure used to judge hot-path
// changes (docs/changelog.md, "Hot path"). Every build runs at once against one SMTP sink;
// each round sends HOT_REQUESTS requests to each build in turn (order rotated per round), and
// the table shows the median CPU ms per request over HOT_ROUNDS rounds. CPU is read once the
// sink is quiet, before any scrape, so nothing the benchmark itself asks for is billed.
//
//   node bench/hot-path.js base=/tmp/base,LOG_REQUESTS=true new=dist   label=build dir[,env…]
//   HOT_ENV='LOG_LEVEL=log ENABLE_METRICS=false' node bench/hot-path.js …   app environment
//   HOT_NULL_TRANSPORT=1 …                                   no SMTP: the HTTP path alone
//   BENCH_CPU_PROF=1 …                                       also write .cpuprofile per build
const fs = require('node:fs');
const path = require('node:path');
const procs = require('./lib/procs');
const { fire } = require('./lib/load');
const { median } = require('./lib/stats');
const { quiet } = require('./lib/cpu-compare');

const ROUNDS = Number(process.env.HOT_ROUNDS ?? 5);
const REQUESTS = Number(process.env.HOT_REQUESTS ?? 2000);
const CONNECTIONS = Number(process.env.HOT_CONNECTIONS ?? 32);
const RATE = process.env.HOT_RATE ? Number(process.env.HOT_RATE) : undefined;
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];
// The HTTP path alone: a transport that accepts at once (bench/lib/null-transport.js).
const NULL_TRANSPORT = process.env.HOT_NULL_TRANSPORT === '1';
const PROFILE_DIR = path.join(__dirname, 'profiles');

// label=dir[,KEY=value…]: a build and environment variables for it alone.
const builds = process.argv.slice(2).map((arg) => {
  const [head, ...vars] = arg.split(',');
  const [label, dir] = head.includes('=') ? head.split('=') : [head, head];
  const env = Object.fromEntries(vars.map((kv) => kv.split('=')));
  return { label, main: path.resolve(dir, 'main.js'), env };
});
if (builds.length === 0) {
  process.stderr.write('usage: node bench/hot-path.js label=distDir [label=distDir …]\n');
  process.exit(2);
}
const extraEnv = Object.fromEntries(
  (process.env.HOT_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);

const hardStop = setTimeout(() => {
  process.stderr.write('[hot-path] giving up after 600 s\n');
  void procs.stopAll().finally(() => process.exit(2));
}, 600_000);
hardStop.unref();

async function main() {
  if (process.env.BENCH_CPU_PROF === '1') fs.mkdirSync(PROFILE_DIR, { recursive: true });
  const sink = await procs.startSink();
  const apps = [];
  try {
    for (const build of builds) {
      const nodeArgs =
        process.env.BENCH_CPU_PROF === '1'
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${PROFILE_DIR}`,
              `--cpu-prof-name=hot-${build.label}-${Date.now()}.cpuprofile`,
            ]
          : [];
      if (NULL_TRANSPORT) nodeArgs.push('-r', path.join(__dirname, 'lib', 'null-transport.js'));
      const app = await procs.startApp(
        {
          SMTP_URL: sink.url,
          // Like bench/run.js: every build runs at once, and a spool file has one owner.
          QUEUE_DRIVER: 'memory',
          ENABLE_METRICS: 'true',
          METRICS_CACHE_MS: '0',
          ...(NULL_TRANSPORT ? { BENCH_NULL_DIST: path.dirname(build.main) } : {}),
          ...extraEnv,
          ...build.env,
        },
        { nodeArgs, main: build.main },
      );
      apps.push({ ...build, app, cpu: [] });
    }
    for (const a of apps)
      await fire({
        url: `${a.app.url}/send-email`,
        connections: CONNECTIONS,
        amount: Number(process.env.HOT_WARMUP ?? 1000),
        clients: CLIENTS,
      });
    await quiet(sink);
    for (let round = 0; round < ROUNDS; round++) {
      const order = apps.map((_, i) => apps[(i + round) % apps.length]);
      for (const a of order) {
        const before = procs.cpuSeconds(a.app.pid);
        const r = await fire({
          url: `${a.app.url}/send-email`,
          connections: CONNECTIONS,
          amount: REQUESTS,
          clients: CLIENTS,
          rate: RATE,
        });
        await quiet(sink);
        const ms = ((procs.cpuSeconds(a.app.pid) - before) * 1000) / r.total;
        if (r.ok200 !== r.total)
          process.stderr.write(`[hot-path] ${a.label}: ${r.total - r.ok200} non-200 answers\n`);
        a.cpu.push(ms);
      }
    }
  } finally {
    await Promise.all(apps.map((a) => a.app.stop()));
    await sink.stop();
  }
  process.stdout.write(
    `${ROUNDS} rounds × ${REQUESTS} requests, ${CONNECTIONS} connections, ${NULL_TRANSPORT ? 'null transport' : 'SMTP sink'}, env ${JSON.stringify(extraEnv)}\n`,
  );
  // Rounds move together with the machine's load: the paired ratio to the first build is steadier.
  process.stdout.write(
    '| build | CPU ms/request (median) | vs first (median of per-round ratios) | rounds |\n|---|---|---|---|\n',
  );
  for (const a of apps) {
    const ratio = median(a.cpu.map((x, i) => x / apps[0].cpu[i]));
    const vs = a === apps[0] ? '' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
    process.stdout.write(
      `| ${a.label} | ${median(a.cpu).toFixed(3)} | ${vs} | ${a.cpu.map((x) => x.toFixed(2)).join(' ')} |\n`,
    );
  }
}

main().catch(async (err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  await procs.stopAll();
  process.exit(1);
});
