import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionSettings {
  url: string;
  /** Connect bound, and per-command bound on connections that never block. */
  timeoutMs: number;
}

/** Reconnect forever, at most every 2 s: the service recovers by itself when Redis is back. */
const retryStrategy = (times: number): number => Math.min(times * 200, 2_000);

/**
 * Redis connections, in two shapes:
 * - `command`: used on the request path (enqueue, GET /emails/:id, idempotency, rate limits, metrics).
 *   Every call is bounded: no offline queue (a command while disconnected fails at once),
 *   one retry per request, a command timeout. A caller gets a 503, never a hang.
 * - `blocking`: BullMQ workers and event readers issue blocking reads and must wait out
 *   an outage (BullMQ requires maxRetriesPerRequest null there), so they get no bounds
 *   beyond the connect timeout; nothing on the request path waits on them.
 */
export function createRedisConnection(
  settings: RedisConnectionSettings,
  kind: 'command' | 'blocking',
  name: string,
): Redis {
  const common: RedisOptions = {
    connectionName: name,
    connectTimeout: settings.timeoutMs,
    retryStrategy,
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
  return new Redis(settings.url, options);
}
