'use strict';
// A throw-away Redis Cluster for scenario 9 (bench/lib/cluster.js): three masters, no
// replicas, Debian's redis-server on spare loopback ports, its files in a temporary folder;
// the same approach as the tests' ClusterSet (test/support/redis-ha.ts), which bench/ must not
// import. stop() SIGKILLs every node and removes the folder; a process exit does too.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const { freePort } = require('./procs');

// A hard stop (run.js's BENCH_TIMEOUT) exits without stop(): kill the nodes, drop the files.
const live = new Set();
const dirs = new Set();
process.once('exit', () => {
  live.forEach((child) => child.kill('SIGKILL'));
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Opens a throw-away client on one port, runs `work`, closes it. */
async function withClient(port, work) {
  const redis = new Redis(port, '127.0.0.1', {
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * Starts the cluster; resolves once every node reports cluster_state:ok with `masters`
 * masters. Returns { nodes: [{ port, pid }], nodeList, masterOf(prefix), stop() }.
 */
async function startCluster({ masters = 3, startMs = 30_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwatch-bench-cluster-'));
  dirs.add(dir);
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => kill(n.child)));
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const nodeDir = path.join(dir, String(port));
      fs.mkdirSync(nodeDir);
      // Like the single Redis scenario 7 uses: no persistence; noeviction for BullMQ.
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
          '--dir',
          nodeDir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(nodeDir, 'nodes.conf'),
          '--cluster-node-timeout',
          '2000',
        ],
        { stdio: 'ignore' },
      );
      live.add(child);
      child.once('exit', () => live.delete(child));
      nodes.push({ port, pid: child.pid, child });
    }
    for (const n of nodes)
      await until(
        `redis-server on ${n.port}`,
        () => withClient(n.port, async (r) => (await r.ping()) === 'PONG'),
        5_000,
      );
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: startMs },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout} ${create.stderr}`);
    await until(
      `every node to report cluster_state:ok with ${masters} masters`,
      async () => {
        for (const n of nodes) {
          const info = await withClient(n.port, (r) => r.call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info) || !info.includes(`cluster_size:${masters}`))
            return false;
        }
        return true;
      },
      startMs,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir,
    nodes: nodes.map(({ port, pid }) => ({ port, pid })),
    nodeList: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    /** The port of the master serving the slot of every key under REDIS_PREFIX=prefix. */
    masterOf: (prefix) =>
      withClient(nodes[0].port, async (r) => {
        const tag = /\{([^}]+)\}/.exec(prefix)?.[1] ?? prefix;
        const slot = Number(await r.call('CLUSTER', 'KEYSLOT', `{${tag}}`));
        const ranges = await r.call('CLUSTER', 'SLOTS');
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (!range) throw new Error(`slot ${slot} is not served`);
        return Number(range[2][1]);
      }),
    stop,
  };
}

/** The pid of the Redis server on a port, from its own INFO. */
function redisPid(port) {
  return withClient(port, async (r) => {
    const info = await r.info('server');
    return Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  });
}

module.exports = { startCluster, redisPid, withClient };
