import type { Redis } from 'ioredis';

/** One window of a client's quota: its limit and length. */
export interface QuotaWindow {
  name: 'hour' | 'day';
  limit: number;
  seconds: number;
}

/** What a take found: every window's count after it (or before it, when refused). */
export interface QuotaCounts {
  granted: boolean;
  /** Per window, in the order given: emails counted in the current window. */
  used: number[];
}

/**
 * Counters per client and fixed UTC window (the hour, the day). `take` checks every window
 * and counts in all of them, or in none: one atomic step, in Redis shared by every replica.
 */
export interface QuotaStore {
  take(client: string, windows: QuotaWindow[], n: number, now: number): Promise<QuotaCounts>;
  /** Gives back what a take counted when nothing was queued after all. */
  refund(client: string, windows: QuotaWindow[], n: number, now: number): Promise<void>;
  used(client: string, windows: QuotaWindow[], now: number): Promise<number[]>;
}

export const windowIndex = (w: QuotaWindow, now: number) => Math.floor(now / (w.seconds * 1000));

/** Spool and memory deployments run one process: its memory is the shared place. */
export class MemoryQuotaStore implements QuotaStore {
  private readonly counts = new Map<string, number>();

  private key(client: string, w: QuotaWindow, now: number) {
    return `${client}\n${w.name}\n${windowIndex(w, now)}`;
  }

  take(client: string, windows: QuotaWindow[], n: number, now: number) {
    const used = windows.map((w) => this.counts.get(this.key(client, w, now)) ?? 0);
    const granted = windows.every((w, i) => used[i] + n <= w.limit);
    if (granted) {
      this.prune(now, windows);
      windows.forEach((w, i) => this.counts.set(this.key(client, w, now), (used[i] += n)));
    }
    return Promise.resolve({ granted, used });
  }

  refund(client: string, windows: QuotaWindow[], n: number, now: number) {
    for (const w of windows) {
      const key = this.key(client, w, now);
      this.counts.set(key, Math.max(0, (this.counts.get(key) ?? 0) - n));
    }
    return Promise.resolve();
  }

  used(client: string, windows: QuotaWindow[], now: number) {
    return Promise.resolve(windows.map((w) => this.counts.get(this.key(client, w, now)) ?? 0));
  }

  /** Past windows are dropped, so the map holds at most clients × windows × 2 entries. */
  private prune(now: number, windows: QuotaWindow[]) {
    if (this.counts.size < 4 * windows.length * 64) return;
    for (const key of this.counts.keys()) {
      const [, name, index] = key.split('\n');
      const w = windows.find((x) => x.name === name);
      if (!w || Number(index) < windowIndex(w, now)) this.counts.delete(key);
    }
  }
}

/** Checks every window, then counts in all of them; keys expire with their window. */
const TAKE = `
local n = tonumber(ARGV[1])
local used = {}
for i, key in ipairs(KEYS) do
  used[i] = tonumber(redis.call('GET', key) or '0')
  if used[i] + n > tonumber(ARGV[i * 2]) then
    return {0, unpack(used)}
  end
end
for i, key in ipairs(KEYS) do
  used[i] = redis.call('INCRBY', key, n)
  redis.call('EXPIRE', key, tonumber(ARGV[i * 2 + 1]))
end
return {1, unpack(used)}`;

/** QUEUE_DRIVER=redis: one count per client and window for every replica. */
export class RedisQuotaStore implements QuotaStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(client: string, windows: QuotaWindow[], now: number) {
    return windows.map((w) => `${this.prefix}:quota:${client}:${w.name}:${windowIndex(w, now)}`);
  }

  async take(client: string, windows: QuotaWindow[], n: number, now: number) {
    // ARGV: n, then per window its limit and its key's lifetime (the window, plus slack).
    const args = windows.flatMap((w) => [w.limit, w.seconds + 60]);
    const reply = (await this.redis.eval(
      TAKE,
      windows.length,
      ...this.keys(client, windows, now),
      n,
      ...args,
    )) as number[];
    return { granted: reply[0] === 1, used: reply.slice(1).map(Number) };
  }

  async refund(client: string, windows: QuotaWindow[], n: number, now: number) {
    const multi = this.redis.multi();
    for (const key of this.keys(client, windows, now)) multi.decrby(key, n);
    await multi.exec();
  }

  async used(client: string, windows: QuotaWindow[], now: number) {
    const values = await this.redis.mget(...this.keys(client, windows, now));
    return values.map((v) => Number(v ?? 0));
  }
}
