'use strict';
// Redis commands per email (issue 20): a dedicated redis-server on a spare loopback port, one
// app on it, N emails (BENCH_EMAILS, default 2,000) sent with and without
// `Prefer: respond-async`, every command the app sent recorded with MONITOR and grouped by
// origin (BullMQ script by name, our own EVALs by their first line, plain commands by name).
//   node bench/redis-commands.js            (BENCH_DIST: another build, e.g. main's)
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Redis = require('ioredis');
const procs = require('./lib/procs');
const { fire } = require('./lib/load');

const N = Number(process.env.BENCH_EMAILS ?? 2000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** sha1 → BullMQ script name, for EVALSHA lines. */
function bullmqScripts() {
  const dir = path.join(path.dirname(require.resolve('bullmq')), 'scripts');
  const names = new Map();
  for (const file of fs.readdirSync(dir)) {
    if (file === 'index.js' || !file.endsWith('.js')) continue;
    const script = require(path.join(dir, file));
    for (const s of Object.values(script)) {
      if (s && typeof s.content === 'string') {
        names.set(crypto.createHash('sha1').update(s.content).digest('hex'), `bullmq ${s.name}`);
      }
    }
  }
  return names;
}

function origin(args, scripts) {
  const cmd = args[0].toLowerCase();
  if (cmd === 'evalsha') return scripts.get(args[1]) ?? `evalsha ${args[1].slice(0, 8)}`;
  if (cmd === 'eval') {
    const body = args[1];
    if (body.includes('mwWithdrawn')) return 'eval admission fence';
    if (body.includes('mwCountedBy')) return 'eval outcome-ledger claim';
    if (body.includes('mwCounted')) return 'eval outcome-ledger reconcile';
    return `eval ${body.trim().split('\n')[0].slice(0, 40)}`;
  }
  if (cmd === 'xread' || cmd === 'xadd' || cmd === 'bzpopmin') return cmd;
  return cmd;
}

/** Splits one MONITOR line's arguments ("a" "b c" ...). */
function parseArgs(line) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(line))) out.push(m[1].replace(/\\n/g, '\n').replace(/\\"/g, '"'));
  return out;
}

async function waitFor(cond, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(100);
  }
  return false;
}

/**
 * The app's write syscalls (/proc/<pid>/io syscw: HTTP answers, SMTP and Redis alike) and the
 * reads Redis processed (INFO total_reads_processed: how many separate writes of the app's it
 * met): round trips are not the whole cost, each socket write is one too (issue 20).
 */
async function ioCounts(app, admin) {
  const io = fs.readFileSync(`/proc/${app.pid}/io`, 'utf8');
  const info = await admin.info('stats');
  return {
    writes: Number(/syscw: (\d+)/.exec(io)[1]),
    reads: Number(/total_reads_processed:(\d+)/.exec(info)?.[1] ?? NaN),
  };
}

async function measure(app, sink, admin, port, { prefer }) {
  const scripts = bullmqScripts();
  const tally = new Map();
  const monitor = spawn('redis-cli', ['-p', String(port), 'monitor'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  let total = 0;
  monitor.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const line of lines) {
      const args = parseArgs(line.slice(line.indexOf('"')));
      if (args.length === 0 || /^(monitor|info|config)$/i.test(args[0])) continue;
      // Commands a script runs show as "[0 lua]": counted apart, they are no round trip.
      const inScript = line.includes(' lua]');
      const key = inScript ? '(inside scripts)' : origin(args, scripts);
      if (inScript) {
        tally.set(key, (tally.get(key) ?? 0) + 1);
        continue;
      }
      tally.set(key, (tally.get(key) ?? 0) + 1);
      total++;
    }
  });
  await sleep(500);
  const io0 = await ioCounts(app, admin);
  const before = await sink.count();
  const t0 = Date.now();
  const r = await fire({
    url: `${app.url}/send-email`,
    connections: 32,
    amount: N,
    ...(prefer ? { headers: { prefer: 'respond-async' } } : {}),
  });
  const delivered = await waitFor(async () => (await sink.count()) - before >= N, 60_000);
  const seconds = (Date.now() - t0) / 1000;
  await sleep(1000);
  const io1 = await ioCounts(app, admin);
  monitor.kill();
  const io = { writes: io1.writes - io0.writes, reads: io1.reads - io0.reads };
  return { prefer, ok: r.ok200 + (r.codes['202'] ?? 0), delivered, seconds, total, tally, io };
}

async function main() {
  const port = await procs.freePort();
  const redis = procs.startRedisServer(port);
  const admin = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await waitFor(
    () =>
      admin.connect().then(
        () => true,
        () => false,
      ),
    5000,
  );
  const sink = await procs.startSink();
  const app = await procs.startApp({
    SMTP_URL: sink.url,
    QUEUE_DRIVER: 'redis',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    ENABLE_METRICS: 'true',
  });
  try {
    await fire({ url: `${app.url}/send-email`, connections: 16, amount: 500 });
    await sleep(1500);
    for (const prefer of [false, true]) {
      const m = await measure(app, sink, admin, port, { prefer });
      const rows = [...m.tally].sort((a, b) => b[1] - a[1]);
      console.log(
        `\n${prefer ? 'Prefer: respond-async' : 'sync (waits for the outcome)'}: ${N} emails, ` +
          `answered ${m.ok}, all delivered ${m.delivered}, ${m.seconds.toFixed(1)} s, ${m.total} commands = ` +
          `${(m.total / N).toFixed(2)} round trips per email; app write syscalls ` +
          `${(m.io.writes / N).toFixed(2)} per email, reads Redis processed ${(m.io.reads / N).toFixed(2)} per email`,
      );
      for (const [k, v] of rows) console.log(`  ${(v / N).toFixed(3).padStart(7)}  ${k}  (${v})`);
    }
  } finally {
    await app.stop();
    await procs.stopAll();
    admin.disconnect();
    redis.kill();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
