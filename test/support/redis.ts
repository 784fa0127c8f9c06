import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** Fails fast, with a message that says what to start, when the shared Redis is not there. */
export async function requireRedis(url = SHARED_REDIS_URL): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is required at ${url} for these tests (start it: redis-server --daemonize yes): ${(err as Error).message}`,
    );
  } finally {
    redis.disconnect();
  }
}

/** A key prefix of this test run only, so runs never see each other's jobs. */
export function uniquePrefix(name: string): string {
  return `mwtest-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix:` (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deletePrefix(prefix: string, url = SHARED_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A throw-away redis-server of one test, so stopping it never disturbs the shared one. */
export class DedicatedRedis {
  private process?: ChildProcess;

  /** `args`: more redis-server options, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  constructor(
    readonly port: number,
    private readonly args: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await requireRedis(this.url);
        return;
      } catch (err) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `redis-server on port ${this.port} did not start: ${(err as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** SIGSTOP / SIGCONT: the server freezes with its TCP connections up, as under a long fork or GC-like stall. */
  freeze(frozen: boolean): void {
    this.process?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) child.kill('SIGCONT');
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }
}
