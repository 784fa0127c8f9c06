'use strict';
// What a Redis queue costs per email, without the app around it (issue 20: "the Redis driver
// at spool speed" — is BullMQ the limit, and what would a queue of our own cost?).
// A dedicated redis-server on a spare loopback port; in paired interleaved rounds, a closed
// loop of CONNECTIONS callers that each add an email and wait for its outcome, a worker with
// DELIVERY_CONCURRENCY slots whose "send" is a no-op, and a cross-replica event reader running:
//   bullmq   — Queue.add with the driver's job options, a Worker, QueueEvents: what
//              RedisDeliveryQueue does per email, minus our own fence, claim and suppression
//              commands (bench/redis-commands.js counts those).
//   scripts  — one small Lua script per state change on keys of our own: add (the admission
//              fence's deadline check folded in), take (a batch of waiting emails to active,
//              each with a lock deadline), complete (result, completed index, retention, an
//              event for other replicas' waiters); XREAD for the events, a lock extension per
//              second for what is active. The design a driver of our own would start from.
// Reports emails/s, this process's CPU (client side) and redis-server's CPU per email, and
// commands Redis processed per email.
//   node bench/redis-queue-floor.js [connections=64] [rounds=4] [seconds=3]
const fs = require('node:fs');
const { randomUUID } = require('node:crypto');
const Redis = require('ioredis');
const { Queue, Worker, QueueEvents } = require('bullmq');
const procs = require('./lib/procs');
const { median } = require('./lib/stats');

const [CONNECTIONS = 64, ROUNDS = 4, SECONDS = 3] = process.argv.slice(2).map(Number);
const CONCURRENCY = 64;
const LOCK_MS = 30_000;
const RETENTION = { age: 24 * 3600, count: 10_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Every client made here, cut at the end: BullMQ leaves the connections it was given open. */
const clients = [];
const client = (port, options) => {
  const c = new Redis({ port, ...options });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};
const hardStop = setTimeout(() => {
  process.stderr.write('[redis-queue-floor] giving up after 600 s\n');
  process.exit(2);
}, 600_000);
hardStop.unref();

/** An email as the driver stores it (JobData): ~600 bytes of JSON. */
const email = () => ({
  email: {
    to: ['someone@example.com'],
    subject: 'Your report is ready',
    text: 'Hello,\n\nthe weekly report is attached to your account page.\n'.repeat(4),
    from: 'reports@example.com',
  },
  client: 'alpha',
  meta: { requestId: randomUUID(), labels: {} },
});

/** redis-server's CPU seconds (utime + stime of the process). */
function serverCpu(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// KEYS: job, wait, marker list. ARGV: deadline (ms, server clock), id, data, now.
const ADD = `
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[1]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'ts', ARGV[4], 'state', 'waiting', 'attempts', 0)
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1`;
// KEYS: wait, active (zset: lock deadline). ARGV: max, lock deadline, job key prefix.
// Returns id, data pairs.
const TAKE = `
local ids = redis.call('RPOP', KEYS[1], ARGV[1])
if not ids then return {} end
local out = {}
for i, id in ipairs(ids) do
  local key = ARGV[3] .. id
  redis.call('ZADD', KEYS[2], ARGV[2], id)
  redis.call('HSET', key, 'state', 'active')
  redis.call('HINCRBY', key, 'attempts', 1)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', key, 'data')
end
return out`;
// KEYS: job, active, completed, events. ARGV: id, result, now, oldest kept (ms), job key prefix.
const COMPLETE = `
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'result', ARGV[2], 'finishedOn', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[4], 'LIMIT', 0, 1)
if #old > 0 then redis.call('ZREM', KEYS[3], old[1]); redis.call('DEL', ARGV[5] .. old[1]) end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000, '*', 'e', 'completed', 'id', ARGV[1])
return 1`;

async function scriptsVariant(port, prefix) {
  const k = (s) => `${prefix}:{q}:${s}`;
  const jobPrefix = k('job:');
  const conn = client(port, { maxRetriesPerRequest: 1 });
  const blocking = client(port, { maxRetriesPerRequest: null });
  const events = client(port, { maxRetriesPerRequest: null });
  conn.defineCommand('mwAdd', { numberOfKeys: 3, lua: ADD });
  conn.defineCommand('mwTake', { numberOfKeys: 2, lua: TAKE });
  conn.defineCommand('mwComplete', { numberOfKeys: 4, lua: COMPLETE });
  const waiters = new Map();
  let closed = false;
  let free = CONCURRENCY;
  const active = new Set();
  let taking = false;
  const take = async () => {
    if (taking || closed) return;
    taking = true;
    try {
      while (free > 0 && !closed) {
        const got = await conn.mwTake(
          k('wait'),
          k('active'),
          free,
          Date.now() + LOCK_MS,
          jobPrefix,
        );
        if (got.length === 0) {
          // Nothing waiting: block on the marker list an add pushes to (one wake per add burst).
          await blocking.blpop(k('marker'), 1);
          continue;
        }
        for (let i = 0; i < got.length; i += 2) {
          free--;
          void process1(got[i], got[i + 1]);
        }
      }
    } catch (err) {
      if (!closed) throw err; // closing: the blocked read is cut
    } finally {
      taking = false;
    }
  };
  const process1 = async (id, data) => {
    active.add(id);
    JSON.parse(data);
    await new Promise((r) => setImmediate(r)); // the send
    const now = Date.now();
    await conn.mwComplete(
      jobPrefix + id,
      k('active'),
      k('completed'),
      k('events'),
      id,
      '{"messageId":"<x@y>","attempts":1}',
      now,
      now - RETENTION.age * 1000,
      jobPrefix,
    );
    active.delete(id);
    free++;
    waiters.get(id)?.();
    void take();
  };
  // Other replicas' completions: read, parsed for the id only.
  let lastId = '$';
  const reader = (async () => {
    while (!closed) {
      const res = await events
        .xread('BLOCK', 1000, 'STREAMS', k('events'), lastId)
        .catch(() => null);
      if (!res) continue;
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          lastId = id;
          waiters.get(fields[3])?.();
        }
      }
    }
  })();
  const lockTimer = setInterval(() => {
    if (active.size === 0) return;
    const args = [];
    for (const id of active) args.push(Date.now() + LOCK_MS, id);
    void conn.zadd(k('active'), 'XX', ...args);
  }, 1000);
  void take();
  return {
    async send() {
      const id = randomUUID();
      const done = new Promise((resolve) => waiters.set(id, resolve));
      const now = Date.now();
      const verdict = await conn
        .multi()
        .mwAdd(jobPrefix + id, k('wait'), k('marker'), now + 5000, id, JSON.stringify(email()), now)
        .lpush(k('marker'), '1')
        .ltrim(k('marker'), 0, 0)
        .exec();
      if (verdict[0][1] !== 1) throw new Error(`add refused: ${verdict[0][1]}`);
      void take();
      await done;
      waiters.delete(id);
    },
    async close() {
      closed = true;
      clearInterval(lockTimer);
      blocking.disconnect();
      events.disconnect();
      await reader.catch(() => undefined);
      conn.disconnect();
    },
  };
}

async function bullmqVariant(port, prefix) {
  const connection = client(port, { maxRetriesPerRequest: 1 });
  const queue = new Queue('email-delivery', { connection, prefix });
  const waiters = new Map();
  const worker = new Worker(
    'email-delivery',
    async () => {
      await new Promise((r) => setImmediate(r)); // the send
      return { messageId: '<x@y>', attempts: 1 };
    },
    {
      connection: client(port, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: CONCURRENCY,
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS / 2,
      settings: { backoffStrategy: () => 1000 },
    },
  );
  worker.on('completed', (job) => waiters.get(job.id)?.());
  const events = new QueueEvents('email-delivery', {
    connection: client(port, { maxRetriesPerRequest: null }),
    prefix,
  });
  events.on('completed', ({ jobId }) => void jobId);
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady(), events.waitUntilReady()]);
  return {
    async send() {
      const id = randomUUID();
      const done = new Promise((resolve) => waiters.set(id, resolve));
      await queue.add('send', email(), {
        jobId: id,
        attempts: 5,
        backoff: { type: 'deliverer' },
        removeOnComplete: RETENTION,
        removeOnFail: RETENTION,
      });
      await done;
      waiters.delete(id);
    },
    async close() {
      await worker.close(true);
      await events.close();
      await queue.close();
      connection.disconnect();
    },
  };
}

/** A closed loop of CONNECTIONS callers for `seconds`; every call is bounded. */
async function loop(variant, seconds) {
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const caller = async () => {
    while (Date.now() < until) {
      await Promise.race([
        variant.send(),
        sleep(10_000).then(() => Promise.reject(new Error('a send took over 10 s'))),
      ]);
      n++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, caller));
  return n;
}

async function main() {
  const port = await procs.freePort();
  const server = procs.startRedisServer(port);
  // Killed as this process exits: BullMQ's own duplicated connections would reconnect first.
  process.on('exit', () => server.kill());
  const admin = client(port, { maxRetriesPerRequest: 1 });
  for (let i = 0; (await admin.ping().catch(() => '')) !== 'PONG'; i++) {
    if (i > 50) throw new Error('redis-server did not start');
    await sleep(100);
  }
  const commands = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))[1]);
  const variants = [
    { label: 'bullmq', v: await bullmqVariant(port, 'floor-bullmq'), runs: [] },
    { label: 'scripts', v: await scriptsVariant(port, 'floor-scripts'), runs: [] },
  ];
  try {
    for (const x of variants) await loop(x.v, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < variants.length; i++) {
        const x = variants[(i + round) % variants.length];
        const [cpu0, srv0, cmd0, t0] = [
          process.cpuUsage(),
          serverCpu(server.pid),
          await commands(),
          Date.now(),
        ];
        const n = await loop(x.v, SECONDS);
        const [cpu1, srv1, cmd1, t1] = [
          process.cpuUsage(cpu0),
          serverCpu(server.pid),
          await commands(),
          Date.now(),
        ];
        x.runs.push({
          rate: (n * 1000) / (t1 - t0),
          client: (cpu1.user + cpu1.system) / 1000 / n,
          server: ((srv1 - srv0) * 1000) / n,
          commands: (cmd1 - cmd0 - 1) / n,
        });
      }
    }
  } finally {
    for (const x of variants) await x.v.close().catch(() => undefined);
    for (const c of clients) c.disconnect();
  }
  const base = variants[0].runs;
  process.stdout.write(
    `${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} callers, concurrency ${CONCURRENCY}, a no-op send\n` +
      '| queue | emails/s | client CPU ms/email | redis-server CPU ms/email | commands/email | vs bullmq: emails/s, client+server CPU |\n|---|---|---|---|---|---|\n',
  );
  for (const x of variants) {
    const m = (key) => median(x.runs.map((r) => r[key]));
    const rateRatio = median(x.runs.map((r, i) => r.rate / base[i].rate));
    const cpuRatio = median(
      x.runs.map((r, i) => (r.client + r.server) / (base[i].client + base[i].server)),
    );
    process.stdout.write(
      `| ${x.label} | ${m('rate').toFixed(0)} | ${m('client').toFixed(3)} | ${m('server').toFixed(3)} | ${m('commands').toFixed(1)} | ×${rateRatio.toFixed(2)}, ×${cpuRatio.toFixed(2)} |\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
