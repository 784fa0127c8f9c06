import { ConfigValidationError, type EnvReader } from './env-reader';

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: one server (REDIS_URL), a Sentinel-managed master (REDIS_SENTINELS +
 * REDIS_SENTINEL_MASTER) or a Redis Cluster (REDIS_CLUSTER_NODES). REDIS_URL still carries
 * the data nodes' credentials, TLS (rediss:) and database in the other two forms.
 */
export type RedisTopology =
  | { kind: 'single' }
  | { kind: 'sentinel'; sentinels: RedisNode[]; master: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: RedisNode[] };

/** `host:port,host:port`, each checked, the list never empty. */
function nodeList(env: EnvReader, name: string): RedisNode[] | undefined {
  const items = env.list(name, []);
  if (items.length === 0) return undefined;
  return items.map((item) => {
    const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      throw new ConfigValidationError(name, 'must be a comma-separated list of host:port', item);
    }
    return { host: match[1], port };
  });
}

export function parseRedisTopology(env: EnvReader): RedisTopology {
  const sentinels = nodeList(env, 'REDIS_SENTINELS');
  const nodes = nodeList(env, 'REDIS_CLUSTER_NODES');
  if (sentinels && nodes) {
    throw new ConfigValidationError(
      'REDIS_CLUSTER_NODES',
      'cannot be combined with REDIS_SENTINELS: choose Sentinel or Cluster',
    );
  }
  if (nodes) return { kind: 'cluster', nodes };
  if (!sentinels) return { kind: 'single' };
  const master = env.optionalString('REDIS_SENTINEL_MASTER');
  if (master === undefined) {
    throw new ConfigValidationError(
      'REDIS_SENTINEL_MASTER',
      'is required with REDIS_SENTINELS (the master name the sentinels monitor)',
    );
  }
  const sentinelPassword = env.optionalString('REDIS_SENTINEL_PASSWORD');
  return { kind: 'sentinel', sentinels, master, ...(sentinelPassword ? { sentinelPassword } : {}) };
}

/**
 * In a cluster every key of mailwatch must hash to one slot (BullMQ's multi-key scripts,
 * our Lua): a prefix without a hash tag gets one, `mailwatch` → `{mailwatch}`.
 */
export function clusterSafePrefix(prefix: string, topology: RedisTopology): string {
  if (topology.kind !== 'cluster' || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}
