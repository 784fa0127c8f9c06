import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './smtp-server';

/**
 * Every redis-server a topology started, SIGKILLed when the test process exits whatever the
 * test's state (a failed or timed-out test may never reach its afterEach).
 */
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

/** One redis-server (or sentinel) process of a test topology, on a loopback port. */
class Node {
  process?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  start(): void {
    const child = spawn('redis-server', this.args, { stdio: 'ignore' });
    live.add(child);
    child.once('exit', () => live.delete(child));
    this.process = child;
  }

  kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return exited;
  }

  async ping(): Promise<boolean> {
    const redis = new Redis(this.port, '127.0.0.1', {
      lazyConnect: true,
      connectTimeout: 500,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }
}

async function untilTrue(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const BASE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/** Opens a throw-away client on one port, runs `work`, closes it. */
export async function withClient<T>(port: number, work: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Every process a topology started is killed by stop(), whatever state the test left. */
abstract class Topology {
  protected readonly nodes: Node[] = [];
  protected readonly dir = mkdtempSync(join(tmpdir(), 'mw-redis-ha-'));

  protected async node(args: (port: number) => string[]): Promise<Node> {
    const port = await freePort();
    // Its own directory: a replica's full sync writes dump.rdb, and a node must not load
    // one left in the working directory.
    const dir = join(this.dir, String(port));
    mkdirSync(dir);
    const list = args(port);
    const node = new Node(port, list.includes('--sentinel') ? list : [...list, '--dir', dir]);
    this.nodes.push(node);
    node.start();
    return node;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A master, two replicas and three sentinels (quorum 2), failing over within ~3 s. */
export class SentinelSet extends Topology {
  readonly masterName = 'mw';
  master!: Node;
  sentinels: Node[] = [];

  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  async start(): Promise<void> {
    this.master = await this.node((port) => ['--port', String(port), ...BASE]);
    const master = this.master.port;
    await untilTrue('the master', () => this.master.ping(), 5_000);
    for (let i = 0; i < 2; i++) {
      await this.node((port) => [
        '--port',
        String(port),
        ...BASE,
        '--replicaof',
        '127.0.0.1',
        String(master),
      ]);
    }
    for (let i = 0; i < 3; i++) {
      const sentinel = await this.node((port) => {
        const file = join(this.dir, `sentinel-${port}.conf`);
        writeFileSync(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${this.dir}`,
            `sentinel monitor ${this.masterName} 127.0.0.1 ${master} 2`,
            `sentinel down-after-milliseconds ${this.masterName} 1000`,
            `sentinel failover-timeout ${this.masterName} 4000`,
            `sentinel parallel-syncs ${this.masterName} 2`,
          ].join('\n') + '\n',
        );
        return [file, '--sentinel'];
      });
      this.sentinels.push(sentinel);
    }
    await untilTrue(
      'the replicas to sync and the sentinels to see them all',
      async () => {
        const replicas = await withClient(master, (r) => r.info('replication'));
        if (!/connected_slaves:2/.test(replicas) || /state=wait_bgsave/.test(replicas))
          return false;
        for (const s of this.sentinels) {
          const seen = await withClient(s.port, async (r) => {
            const state = (await r.call('SENTINEL', 'MASTER', this.masterName)) as string[];
            const field = (name: string) => Number(state[state.indexOf(name) + 1]);
            return field('num-slaves') === 2 && field('num-other-sentinels') === 2;
          }).catch(() => false);
          if (!seen) return false;
        }
        return true;
      },
      30_000,
    );
  }

  /** SIGKILL of the current master; resolves once the sentinels name a new one. */
  async killMaster(): Promise<number> {
    const old = this.master.port;
    await this.master.kill();
    let promoted = old;
    await untilTrue(
      'the sentinels to promote a replica',
      async () => {
        const [, port] = (await withClient(this.sentinels[0].port, (r) =>
          r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName),
        )) as string[];
        promoted = Number(port);
        return promoted !== old;
      },
      30_000,
    );
    return promoted;
  }
}

/** Three masters with a replica each, made by `redis-cli --cluster create`. */
export class ClusterSet extends Topology {
  masters: Node[] = [];

  get nodeList(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  async start(): Promise<void> {
    for (let i = 0; i < 6; i++) {
      await this.node((port) => [
        '--port',
        String(port),
        ...BASE,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(this.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
      ]);
    }
    for (const node of this.nodes) await untilTrue(`node ${node.port}`, () => node.ping(), 5_000);
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...this.nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0)
      throw new Error(`cluster create failed: ${create.stdout} ${create.stderr}`);
    await untilTrue(
      'every node to report cluster_state:ok with 3 masters',
      async () => {
        for (const node of this.nodes) {
          const info = await withClient(
            node.port,
            (r) => r.call('CLUSTER', 'INFO') as Promise<string>,
          );
          if (!/cluster_state:ok/.test(info) || !/cluster_size:3/.test(info)) return false;
        }
        return true;
      },
      30_000,
    );
  }

  /** The port of the master serving `key`'s slot now. */
  async masterOf(
    key: string,
    via = this.nodes.find((n) => n.process?.exitCode === null)!,
  ): Promise<number> {
    return withClient(via.port, async (r) => {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await r.call('CLUSTER', 'SLOTS')) as Array<
        [number, number, [string, number]]
      >;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} unserved`);
      return Number(range[2][1]);
    });
  }

  /** SIGKILL of the master serving `key`; resolves once a replica serves its slot. */
  async killMasterOf(key: string): Promise<number> {
    const old = await this.masterOf(key);
    const victim = this.nodes.find((n) => n.port === old)!;
    await victim.kill();
    const survivor = this.nodes.find((n) => n !== victim)!;
    let now = old;
    await untilTrue(
      'a replica to take over the slot',
      async () => {
        now = await this.masterOf(key, survivor).catch(() => old);
        const info = await withClient(
          survivor.port,
          (r) => r.call('CLUSTER', 'INFO') as Promise<string>,
        );
        return now !== old && /cluster_state:ok/.test(info);
      },
      30_000,
    );
    return now;
  }
}
