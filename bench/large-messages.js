'use strict';
// App CPU per `POST /send-email` for large bodies (issue 20): 100 KB text and 100 KB html, on
// the default configuration (spool driver), builds side by side against one SMTP sink. Each
// round sends LARGE_REQUESTS requests of each kind to each build in turn (order rotated per
// round); the table shows the median CPU ms per request and the median of per-round ratios.
//
//   node bench/large-messages.js base=/tmp/base/dist new=dist       label=build dir[,env…]
//   LARGE_ROUNDS=5 LARGE_REQUESTS=400 …                    rounds and requests per round
//   BENCH_CPU_PROF=1 …                                     also write .cpuprofile per build
//   BENCH_GC=1 …                                           also count V8's collections per build
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./lib/procs');
const { LARGE_BODIES: BODIES, largeRounds, largeFigures } = require('./lib/large');

const ROUNDS = Number(process.env.LARGE_ROUNDS ?? 5);
const REQUESTS = Number(process.env.LARGE_REQUESTS ?? 400);
const CONNECTIONS = Number(process.env.LARGE_CONNECTIONS ?? 8);
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];
const GC = process.env.BENCH_GC === '1';
const PROFILE_DIR = path.join(__dirname, 'profiles');

const builds = process.argv.slice(2).map((arg) => {
  const [head, ...vars] = arg.split(',');
  const [label, dir] = head.includes('=') ? head.split('=') : [head, head];
  const env = Object.fromEntries(vars.map((kv) => kv.split('=')));
  return { label, main: path.resolve(dir, 'main.js'), env };
});
if (builds.length === 0) {
  process.stderr.write('usage: node bench/large-messages.js label=distDir [label=distDir …]\n');
  process.exit(2);
}

const hardStop = setTimeout(() => {
  process.stderr.write('[large-messages] giving up after 900 s\n');
  void procs.stopAll().finally(() => process.exit(2));
}, 900_000);
hardStop.unref();

async function main() {
  if (process.env.BENCH_CPU_PROF === '1') fs.mkdirSync(PROFILE_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'large-bench-'));
  const sink = await procs.startSink();
  const apps = [];
  // --trace-gc prints one line per collection on stdout, which procs pipes only for this.
  if (GC) process.env.X_STDOUT = '1';
  try {
    for (const build of builds) {
      const nodeArgs =
        process.env.BENCH_CPU_PROF === '1'
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${PROFILE_DIR}`,
              `--cpu-prof-name=large-${build.label}-${Date.now()}.cpuprofile`,
            ]
          : [];
      if (GC) nodeArgs.push('--trace-gc');
      const app = await procs.startApp(
        {
          SMTP_URL: sink.url,
          // The default driver; one spool file per build (a spool file has one owner).
          QUEUE_DRIVER: 'spool',
          SPOOL_PATH: path.join(dir, `${build.label}.db`),
          ENABLE_METRICS: 'true',
          ...build.env,
        },
        { nodeArgs, main: build.main },
      );
      const gc = { counting: false, requests: 0, scavenges: 0, markCompacts: 0 };
      if (GC) {
        app.child.stdout.setEncoding('utf8');
        app.child.stdout.on('data', (chunk) => {
          if (!gc.counting) return;
          gc.scavenges += chunk.split(': Scavenge ').length - 1;
          gc.markCompacts += chunk.split(': Mark-Compact ').length - 1;
        });
      }
      apps.push({ ...build, app, gc });
    }
    await largeRounds({
      sink,
      apps,
      rounds: ROUNDS,
      requests: REQUESTS,
      connections: CONNECTIONS,
      clients: CLIENTS,
      onBatch: (a, counting, requests) => {
        a.gc.counting = counting;
        if (!counting) a.gc.requests += requests;
      },
    });
    for (const a of apps)
      if (a.non200 > 0) process.stderr.write(`[large-messages] ${a.label}: ${a.non200} non-200\n`);
  } finally {
    await Promise.all(apps.map((a) => a.app.stop()));
    await sink.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `${ROUNDS} rounds × ${REQUESTS} requests per kind, ${CONNECTIONS} connections, spool driver, ` +
      `text ${Buffer.byteLength(BODIES.text.text)} B, html ${Buffer.byteLength(BODIES.html.html)} B\n`,
  );
  process.stdout.write(
    '| body | build | CPU ms/request (median) | vs first (median of per-round ratios) | rounds |\n|---|---|---|---|---|\n',
  );
  for (const kind of Object.keys(BODIES)) {
    for (const a of apps) {
      const { cpuMs, ratio } = largeFigures(a, apps[0], kind);
      const vs = a === apps[0] ? '' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
      process.stdout.write(
        `| ${kind} | ${a.label} | ${cpuMs.toFixed(3)} | ${vs} | ${a.cpu[kind].map((x) => x.toFixed(2)).join(' ')} |\n`,
      );
    }
  }
  if (GC) printGc(apps);
}

function printGc(apps) {
  process.stdout.write(
    '\nV8 collections per 1,000 requests, text and html together (--trace-gc):\n' +
      '| build | scavenges | mark-compacts |\n|---|---|---|\n',
  );
  for (const a of apps) {
    const per = (n) => ((n * 1000) / a.gc.requests).toFixed(1);
    process.stdout.write(`| ${a.label} | ${per(a.gc.scavenges)} | ${per(a.gc.markCompacts)} |\n`);
  }
}

main().catch(async (err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  await procs.stopAll();
  process.exit(1);
});
