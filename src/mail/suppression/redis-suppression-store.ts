import type { Redis } from 'ioredis';
import type { SuppressionEntry, SuppressionSource, SuppressionStore } from './suppression-store';

/** Separates scope and address in index members; neither can contain it (both are sanitised). */
const SEP = '\n';

/**
 * QUEUE_DRIVER=redis: shared by every replica. One hash per entry, and two lexicographic
 * indexes (all entries; one scope's) for cursor paging with ZRANGEBYLEX.
 */
export class RedisSuppressionStore implements SuppressionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private entryKey(scope: string, address: string): string {
    return `${this.prefix}:suppression:${scope}${SEP}${address}`;
  }

  private indexKey(scope?: string): string {
    return scope === undefined
      ? `${this.prefix}:suppressions`
      : `${this.prefix}:suppressions:${scope}`;
  }

  async add(
    scope: string,
    address: string,
    source: SuppressionSource,
    reason: string,
    now: number,
  ) {
    const key = this.entryKey(scope, address);
    await this.redis
      .multi()
      .hsetnx(key, 'firstSeen', now)
      .hset(key, 'source', source, 'reason', reason, 'lastSeen', now)
      .hincrby(key, 'count', 1)
      .zadd(this.indexKey(), 0, `${scope}${SEP}${address}`)
      .zadd(this.indexKey(scope), 0, address)
      .exec();
  }

  async remove(scope: string, address: string): Promise<boolean> {
    const result = await this.redis
      .multi()
      .del(this.entryKey(scope, address))
      .zrem(this.indexKey(), `${scope}${SEP}${address}`)
      .zrem(this.indexKey(scope), address)
      .exec();
    return Number(result?.[0]?.[1] ?? 0) > 0;
  }

  async suppressed(scope: string, addresses: string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const scores = await this.redis.zmscore(this.indexKey(scope), ...addresses);
    return new Set(addresses.filter((_, i) => scores[i] !== null));
  }

  async get(scope: string, address: string): Promise<SuppressionEntry | undefined> {
    const hash = await this.redis.hgetall(this.entryKey(scope, address));
    if (!hash.source) return undefined;
    return {
      scope,
      address,
      source: hash.source as SuppressionSource,
      reason: hash.reason ?? '',
      firstSeen: Number(hash.firstSeen),
      lastSeen: Number(hash.lastSeen),
      count: Number(hash.count),
    };
  }

  async list(scope: string | undefined, limit: number, after?: [string, string]) {
    const keys: Array<[string, string]> = [];
    if (scope === undefined) {
      const from = after ? `(${after[0]}${SEP}${after[1]}` : '-';
      const members = await this.redis.zrangebylex(this.indexKey(), from, '+', 'LIMIT', 0, limit);
      for (const m of members) {
        const at = m.indexOf(SEP);
        keys.push([m.slice(0, at), m.slice(at + 1)]);
      }
    } else {
      const from = after?.[0] === scope ? `(${after[1]}` : '-';
      const members = await this.redis.zrangebylex(
        this.indexKey(scope),
        from,
        '+',
        'LIMIT',
        0,
        limit,
      );
      for (const m of members) keys.push([scope, m]);
    }
    const entries = await Promise.all(keys.map(([s, a]) => this.get(s, a)));
    return entries.filter((e): e is SuppressionEntry => e !== undefined);
  }
}
