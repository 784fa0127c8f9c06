import { ConfigType, registerAs } from '@nestjs/config';
import { EnvReader, type Environment } from './env-reader';

/** Settings of the shared (redis) delivery queue and of idempotent submission. */
/** The `delivery` namespace from an environment; pure, so tests pass an object. */
export function parseDeliveryConfig(source: Environment) {
  const env = new EnvReader(source);
  return {
    /** A repeated Idempotency-Key within this window returns the original email. */
    idempotencyTtlSeconds: env.int('IDEMPOTENCY_TTL_SECONDS', 86_400, {
      min: 1,
      max: 30 * 86_400,
    }),
    /**
     * BullMQ job lock: a replica that dies mid-send loses its lock after this long and its
     * jobs are picked up by the others (stalled-job check runs every half of it).
     */
    redisLockMs: env.int('REDIS_LOCK_MS', 30_000, { min: 500, max: 600_000 }),
    /** Connect and per-command bound for the producer connection: nothing waits longer. */
    redisTimeoutMs: env.int('REDIS_TIMEOUT_MS', 2_000, { min: 50, max: 60_000 }),
  };
}

export const deliveryConfig = registerAs('delivery', () => parseDeliveryConfig(process.env));

export type DeliveryConfig = ConfigType<typeof deliveryConfig>;
