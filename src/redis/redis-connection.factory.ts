import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config/redis-topology';
import { coalesceWrites } from './coalesced-writes';

export interface RedisConnectionSettings {
  url: string;
  topology: RedisTopology;
  /** Connect bound, and per-command bound on connections that never block. */
  timeoutMs: number;
}

/** Reconnect forever, at most every 2 s: the service recovers by itself when Redis is back. */
const retryStrategy = (times: number): number => Math.min(times * 200, 2_000);

/**
 * After a failover the old master may come back as a replica: a write there fails with
 * READONLY. Reconnecting asks the sentinels (or the cluster) for the master again; the
 * command itself is not re-sent (1, not 2): its caller answers 503 as for any failure.
 */
const reconnectOnError = (err: Error): 1 | false => err.message.startsWith('READONLY') && 1;

/**
 * Redis connections, in two shapes:
 * - `command`: used on the request path (enqueue, GET /emails/:id, idempotency, rate limits, metrics).
 *   Every call is bounded: no offline queue (a command while disconnected fails at once),
 *   one retry per request, a command timeout. A caller gets a 503, never a hang.
 * - `blocking`: BullMQ workers and event readers issue blocking reads and must wait out
 *   an outage (BullMQ requires maxRetriesPerRequest null there), so they get no bounds
 *   beyond the connect timeout; nothing on the request path waits on them.
 * Each shape on one server, through Sentinel, or on a Redis Cluster (settings.topology).
 * Either way a connection's writes of one event-loop turn leave together (coalesceWrites),
 * in the order issued, so the admission fence still precedes its add.
 */
export function createRedisConnection(
  settings: RedisConnectionSettings,
  kind: 'command' | 'blocking',
  name: string,
): Redis | Cluster {
  const connection = connect(settings, kind, name);
  coalesceWrites(connection);
  return connection;
}

function connect(
  settings: RedisConnectionSettings,
  kind: 'command' | 'blocking',
  name: string,
): Redis | Cluster {
  const common: RedisOptions = {
    connectionName: name,
    connectTimeout: settings.timeoutMs,
    retryStrategy,
    reconnectOnError,
  };
  const options: RedisOptions =
    kind === 'command'
      ? {
          ...common,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: settings.timeoutMs,
        }
      : { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
  const topology = settings.topology;
  switch (topology.kind) {
    case 'single':
      return new Redis(settings.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        ...credentialsOf(settings.url),
        sentinels: topology.sentinels,
        name: topology.master,
        sentinelPassword: topology.sentinelPassword,
        sentinelRetryStrategy: retryStrategy,
        // No failoverDetector: with it, connections ended for good after a failover under
        // load (seen in redis-failover.e2e-spec); a killed master closes them anyway.
      });
    case 'cluster': {
      // A node connection must not reconnect by itself nor refuse commands while it connects
      // (ioredis' node defaults): with our retryStrategy it kept dialling the killed master,
      // the slot map was never refreshed and every write failed until restart. The Cluster
      // drops a lost node, refreshes the map and holds (or refuses) commands itself.
      const { retryStrategy: _retry, enableOfflineQueue, ...node } = options;
      return new Cluster(topology.nodes, {
        redisOptions: { ...node, ...credentialsOf(settings.url) },
        clusterRetryStrategy: retryStrategy,
        enableOfflineQueue,
        // Slots move during a failover: follow MOVED/ASK, and re-read the map every 2 s so a
        // promoted replica is found even when no command met a MOVED.
        slotsRefreshTimeout: settings.timeoutMs,
        slotsRefreshInterval: 2_000,
      });
    }
  }
}

/** User, password, database and TLS from REDIS_URL, for the data nodes behind Sentinel/Cluster. */
function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = Number(parsed.pathname.replace('/', '') || 0);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db > 0 ? { db } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
