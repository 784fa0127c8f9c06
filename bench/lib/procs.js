'use strict';
// Starting and stopping the processes a scenario needs, all on loopback, and reading their
// state: sink message counts over IPC, the app's /metrics over HTTP, CPU time from /proc.
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
// BENCH_DIST: benchmark another build (e.g. a private tsc output while others rebuild dist/).
const DIST = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
const MAIN = path.join(DIST, 'main.js');
const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Forks a helper script that answers `{ ready, port }` over IPC once listening. */
function forkReady(script, label) {
  const child = track(
    fork(path.join(__dirname, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${label} exited early (${code})`)));
    child.once('message', (msg) => {
      clearTimeout(timer);
      resolve({ child, port: msg.port });
    });
  });
}

let nextId = 0;
async function startSink() {
  const { child, port } = await forkReady('sink.js', 'SMTP sink');
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    pid: child.pid,
    stats() {
      const id = ++nextId;
      return new Promise((resolve) => {
        const onMessage = (msg) => {
          if (msg.id !== id) return;
          child.off('message', onMessage);
          resolve(msg);
        };
        child.on('message', onMessage);
        child.send({ cmd: 'count', id });
      });
    },
    async count() {
      return (await this.stats()).count;
    },
    stop: () => stopChild(child),
  };
}

async function startBareHttp() {
  const { child, port } = await forkReady('bare-http.js', 'bare HTTP server');
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stopChild(child) };
}

function stopChild(child, signal = 'SIGTERM', graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    child.kill(signal);
  });
}

/**
 * The built app (`node dist/main.js`) with the given environment. Resolves once /healthz
 * answers; rejects with the app's stderr if it exits or does not come up within startMs.
 */
async function startApp(env, { startMs = 20_000, nodeArgs = [], main = MAIN, cpus } = {}) {
  if (!fs.existsSync(main)) {
    throw new Error(
      `${path.relative(process.cwd(), main)} is missing: run \`npm run build\` first`,
    );
  }
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [...nodeArgs, main], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        // No access lines: at warn they would be dropped anyway, and their per-request work is
        // not what the benchmark measures (docs/benchmarks.md).
        LOG_REQUESTS: 'false',
        ...env,
      },
      stdio: ['ignore', process.env.X_STDOUT ? 'pipe' : 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited)
      throw new Error(
        `app exited during start-up: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    if (Date.now() > deadline) {
      await stopChild(child, 'SIGKILL');
      throw new Error(
        `app did not answer /healthz within ${startMs} ms: ${stderr.trim().slice(-300)}`,
      );
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (cpus !== undefined) pin(child.pid, cpus);
  return {
    url,
    pid: child.pid,
    child,
    stderr: () => stderr,
    stop: () => stopChild(child),
  };
}

/**
 * CPU pinning for the controlled CPU comparisons (bench/lib/cpu-compare.js): apps on CPU 1,
 * everything else on CPU 0, so an app's CPU time is not inflated by sharing a core's caches
 * and time slices with the load generator. On when `taskset` works and there are 2+ CPUs,
 * unless BENCH_PIN=0; BENCH_PIN=1 makes a missing taskset an error.
 */
const os = require('node:os');
const { spawnSync } = require('node:child_process');
function pinning() {
  if (process.env.BENCH_PIN === '0') return false;
  const ok =
    os.cpus().length >= 2 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0;
  if (!ok && process.env.BENCH_PIN === '1')
    throw new Error('BENCH_PIN=1 but taskset does not work here');
  return ok;
}
const PIN = pinning();
/** Pins every thread of pid to the given CPU list ("1", "0", "0-1"); no-op without pinning. */
function pin(pid, cpus) {
  if (!PIN) return false;
  const r = spawnSync('taskset', ['-a', '-pc', String(cpus), String(pid)]);
  if (r.status !== 0) throw new Error(`taskset failed: ${String(r.stderr).trim()}`);
  return true;
}
const ALL_CPUS = `0-${os.cpus().length - 1}`;

/**
 * CPU time of every thread of pid, in nanoseconds, from the scheduler's own accounting
 * (/proc/<pid>/task/<tid>/schedstat, first field): exact, unlike /proc/<pid>/stat's 10 ms
 * ticks. Threads that exited are not counted, so compare only within one process's life.
 */
function cpuNanos(pid) {
  let total = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return total;
}

/** User + system CPU seconds of a process, from /proc (Linux). */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] is utime, fields[12] stime (0-based after the command name), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function scrape(url) {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** Sum of a metric's samples whose labels include every given label pair. */
function metricSum(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function seriesCount(text) {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c, 'SIGTERM', 10_000)));
}

/**
 * A throwaway redis-server of the bench's own on a loopback port: no persistence; the caller
 * kills it (it is also tracked, so stopAll() does).
 */
function startRedisServer(port) {
  return track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    ),
  );
}

module.exports = {
  ROOT,
  DIST,
  MAIN,
  freePort,
  startRedisServer,
  startSink,
  startBareHttp,
  startApp,
  stopChild,
  stopAll,
  cpuSeconds,
  cpuNanos,
  pin,
  PIN,
  ALL_CPUS,
  scrape,
  metricSum,
  seriesCount,
};
