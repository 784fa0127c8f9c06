'use strict';
// Scenario 10 (run.js) and bench/reference.js: mailwatch next to the original app it grew
// from, the FastAPI + prometheus_client recipe (bench/reference/: a reconstruction in two
// flavours, aiosmtplib and smtplib in the threadpool; see their headers), in paired
// interleaved rounds (paired.js) against one SMTP sink. Issue 20's headline target is the default configuration at ≥ 10× the recipe end to
// end; the ratio is the median of per-round ratios, absolute figures move with the machine.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const procs = require('./procs');
const { fire } = require('./load');
const { median } = require('./stats');
const { quiet } = require('./cpu-compare');
const { pairedRounds } = require('./paired');

// Debian's interpreter: the packages below are Debian's, and a pyenv/venv python3 on PATH
// would not see them.
const PYTHON = process.env.RECIPE_PYTHON || '/usr/bin/python3';
const APP_DIR = path.resolve(__dirname, '..', 'reference');
const PACKAGES =
  'python3-fastapi python3-uvicorn python3-prometheus-client python3-email-validator ' +
  'python3-aiosmtplib';
const PROBE =
  'import fastapi, uvicorn, prometheus_client, pydantic, starlette, email_validator, sys;' +
  'import aiosmtplib;' +
  'from importlib.metadata import version as v;' +
  'print(f"Python {sys.version.split()[0]}, FastAPI {fastapi.__version__}, ' +
  'uvicorn {uvicorn.__version__}, starlette {starlette.__version__}, ' +
  "pydantic {pydantic.VERSION}, prometheus_client {v('prometheus_client')}, " +
  "email-validator {v('email_validator')}, aiosmtplib {aiosmtplib.__version__}\")";

/** The recipe's stack and versions; throws, naming the install command, when it is missing. */
function recipeVersions() {
  const r = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop();
    throw new Error(
      `the FastAPI reference app cannot run (${PYTHON}: ${why}). Install it with ` +
        `\`apt-get install -y ${PACKAGES}\` (Debian 12), or point RECIPE_PYTHON at an ` +
        `interpreter that has them. Not skipping: the ×10 target needs it.`,
    );
  }
  return r.stdout.trim();
}

/** Every process under pid (uvicorn --workers N: the workers and multiprocessing helpers). */
function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  const out = [];
  const walk = (p) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

/**
 * uvicorn serving the recipe on a free port, `workers` processes (1: no --workers, one
 * process). CPU is read from /proc/<pid>/stat (utime + stime, the whole thread group, exited
 * threads included): anyio retires idle threadpool threads after 10 s, and the per-thread
 * schedstat procs.cpuNanos() sums would lose what they spent.
 */
async function startRecipe(
  sink,
  { module = 'recipe_app', workers = 1, standard = false, appDir = APP_DIR, startMs = 30_000 } = {},
) {
  const port = await procs.freePort();
  const args = ['-m', 'uvicorn', `${module}:app`, '--app-dir', appDir];
  args.push('--host', '127.0.0.1', '--port', String(port));
  // Access lines off, as LOG_REQUESTS=false is for mailwatch here (procs.startApp).
  args.push('--log-level', 'warning', '--no-access-log');
  if (workers > 1) args.push('--workers', String(workers));
  // Named, not "auto": installing uvloop/httptools must not silently change the baseline.
  // Plain `pip install uvicorn` runs asyncio + h11; `uvicorn[standard]` adds uvloop + httptools.
  args.push(
    ...(standard
      ? ['--loop', 'uvloop', '--http', 'httptools']
      : ['--loop', 'asyncio', '--http', 'h11']),
  );
  const child = spawn(PYTHON, args, {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      // No __pycache__ beside the reference apps in the work tree.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A crashed or timed-out bench must not leave uvicorn serving behind it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => procs.stopChild(child, 'SIGTERM', 10_000);
  const deadline = Date.now() + startMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`recipe app exited: ${stderr.trim().slice(-300)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`recipe app did not answer /health in ${startMs} ms: ${stderr.slice(-300)}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      // With workers, /health answers as soon as one is up: wait for all of them.
      if (res.ok && (workers === 1 || descendants(child.pid).length >= workers)) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pids = [child.pid, ...descendants(child.pid)];
  const ticks = (pid) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  // The clock tick is 100 Hz on Linux (procs.cpuSeconds assumes the same).
  const cpuNanos = () => pids.reduce((s, pid) => s + ticks(pid), 0) * 1e7;
  return { url, pid: child.pid, pids, cpuNanos, stop, stderr: () => stderr };
}

/**
 * The recipe, 1 worker, aiosmtplib and smtplib (`twoWorkers`: also smtplib on 2 workers;
 * `standard`: also smtplib on uvloop + httptools, Debian's python3-uvloop/python3-httptools)
 * next to mailwatch's default
 * configuration (no QUEUE_DRIVER: the spool; metrics on) and the memory driver, paired rounds
 * at each of `connectionsList`. startApp(env, label): run.js's, so BENCH_CPU_PROF applies.
 */
async function referenceBench({
  sink,
  startApp,
  rounds,
  duration,
  connectionsList = [32, 64],
  clients = [],
  twoWorkers = false,
  standard = false,
}) {
  const versions = recipeVersions();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-bench-reference-'));
  const variants = [];
  try {
    // First: every paired ratio (paired.js) is to it, and the target is judged against it.
    variants.push({
      label: 'recipe, aiosmtplib (FastAPI, 1 worker)',
      app: await startRecipe(sink, { module: 'recipe_app_async' }),
    });
    variants.push({ label: 'recipe, smtplib (FastAPI, 1 worker)', app: await startRecipe(sink) });
    if (twoWorkers)
      variants.push({
        label: 'recipe, smtplib (FastAPI, 2 workers)',
        app: await startRecipe(sink, { workers: 2 }),
      });
    if (standard)
      variants.push({
        label: 'recipe, smtplib (FastAPI, 1 worker, uvloop + httptools)',
        app: await startRecipe(sink, { standard: true }),
      });
    const mailwatch = { SMTP_URL: sink.url, ENABLE_METRICS: 'true' };
    const spoolPath = path.join(dir, 'spool.db');
    variants.push({
      label: 'mailwatch default (spool)',
      app: await startApp({ ...mailwatch, SPOOL_PATH: spoolPath }, 'reference-default'),
    });
    variants.push({
      label: 'mailwatch memory driver',
      app: await startApp({ ...mailwatch, QUEUE_DRIVER: 'memory' }, 'reference-memory'),
    });
    for (const v of variants) {
      await fire({ url: `${v.app.url}/send-email`, connections: 32, duration: 2, clients });
      await quiet(sink);
    }
    const results = [];
    for (const connections of connectionsList) {
      const rows = await pairedRounds({ sink, variants, rounds, duration, connections, clients });
      // Paired ratio of every variant to each recipe variant, round by round.
      for (const row of rows) {
        row.vs = {};
        rows.forEach((ref, i) => {
          if (!ref.label.startsWith('recipe')) return;
          row.vs[ref.label] = median(row.runs.map((r, n) => r.rps / ref.runs[n].rps));
          if (i === 0) row.vsFirst = row.vs[ref.label];
        });
      }
      results.push({ connections, rows });
    }
    return { versions, rounds, duration, results };
  } finally {
    await Promise.all(variants.map((v) => v.app.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown rows and target lines (run.js's report and bench/reference.js). */
function referenceRows(r, fmt) {
  const rows = [];
  const targets = [];
  for (const { connections, rows: variants } of r.results) {
    for (const v of variants) {
      const ratios = Object.entries(v.vs)
        .filter(([label]) => label !== v.label)
        .map(([label, x]) => `×${x.toFixed(2)} vs ${label.replace(' (FastAPI, ', ' (')}`)
        .join(', ');
      rows.push([
        rows.length === 0 ? 10 : '',
        `${v.label}, ${connections} connections`,
        'req/s; CPU ms/request; p50 / p99',
        `${fmt(v.rps)}; ${v.cpuMs.toFixed(3)}; ${fmt(v.p50, 1)} / ${fmt(v.p99, 1)} ms`,
        `${ratios ? `req/s ${ratios} (paired medians); ` : ''}200s ${fmt(v.ok200)}, at sink ${fmt(v.received)}, lost ${v.lost}; app busy ${v.busy.apps.toFixed(2)} cores, idle ${v.busy.idle.toFixed(2)}`,
      ]);
    }
    const def = variants.find((v) => v.label.startsWith('mailwatch default'));
    const sync = def.vs['recipe, smtplib (FastAPI, 1 worker)'];
    targets.push([
      def.vsFirst >= 10 && def.lost === 0,
      `default ×${def.vsFirst.toFixed(2)} the FastAPI recipe (aiosmtplib, 1 worker; ×${sync.toFixed(2)} the smtplib one) at ${connections} connections, paired median (≥ 10), ${def.lost} lost`,
    ]);
  }
  rows.push([
    '',
    '',
    'reference stack',
    r.versions,
    `${r.rounds} rounds × ${r.duration} s; bench/reference/*.py are reconstructions`,
  ]);
  return { rows, targets };
}

module.exports = { referenceBench, referenceRows, recipeVersions, startRecipe };
