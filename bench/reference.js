'use strict';
// mailwatch against the original app it grew from — the FastAPI + prometheus_client recipe,
// reconstructed in bench/reference/ — side by side: paired interleaved rounds
// (bench/lib/paired.js) of the recipe (uvicorn, 1 worker, sending with aiosmtplib and with
// smtplib in the threadpool), mailwatch's default configuration (spool, metrics on) and the
// memory driver, one SMTP sink, closed loop.
// Prints a Markdown table; exits 1 if the recipe's Python stack is missing (never skips).
//
//   npm run build && flock /tmp/bench.lock node bench/reference.js [rounds] [seconds] [conns]
//     rounds 4, seconds 5, conns "32,64" by default; issue 12's setting: 5 10 32
//   RECIPE_WORKERS=2 adds smtplib on 2 uvicorn workers; RECIPE_STANDARD=1 adds smtplib on
//   uvloop + httptools (uvicorn[standard]; Debian's python3-uvloop python3-httptools).
//   Also scenario 10 of bench/run.js (`node bench/run.js --only=10`).
//   Needs (Debian 12): apt-get install -y python3-fastapi python3-uvicorn \
//     python3-prometheus-client python3-email-validator python3-aiosmtplib
const os = require('node:os');
const procs = require('./lib/procs');
const { fmt } = require('./lib/stats');
const { referenceBench, referenceRows } = require('./lib/reference');

const [rounds = 4, duration = 5] = process.argv.slice(2, 4).map(Number);
const connectionsList = (process.argv[4] ?? '32,64').split(',').map(Number);
const CLIENTS = ['alpha', 'beta', 'gamma', 'delta'];

async function main() {
  const load = os.loadavg()[0];
  const sink = await procs.startSink();
  let r;
  try {
    r = await referenceBench({
      sink,
      startApp: (env) => procs.startApp(env),
      rounds,
      duration,
      connectionsList,
      clients: CLIENTS,
      twoWorkers: process.env.RECIPE_WORKERS === '2',
      standard: process.env.RECIPE_STANDARD === '1',
    });
  } finally {
    await procs.stopAll();
  }
  const { rows, targets } = referenceRows(r, fmt);
  const cpu = os.cpus();
  const lines = [
    `Machine: ${cpu[0]?.model}, ${cpu.length} cores, Node ${process.version}; load average at start ${load.toFixed(2)}. ${new Date().toISOString()}`,
    '',
    '| # | scenario | figure | median | runs / notes |',
    '|---|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
    ...targets.map(([ok, text]) => `- ${ok ? '✅' : '❌'} ${text}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.env.BENCH_JSON) {
    const strip = ({ runs, ...rest }) => ({
      ...rest,
      runs: runs.map(({ rps, cpuMs, p99 }) => ({ rps, cpuMs, p99 })),
    });
    const out = r.results.map((x) => ({ ...x, rows: x.rows.map(strip) }));
    require('node:fs').writeFileSync(process.env.BENCH_JSON, JSON.stringify(out, null, 2));
  }
}

main().catch(async (err) => {
  process.stderr.write(`[reference] ${err.message}\n`);
  await procs.stopAll();
  process.exit(1);
});
