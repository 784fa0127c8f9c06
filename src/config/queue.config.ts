import { ConfigType, registerAs } from '@nestjs/config';
import { EnvReader } from './env-reader';

export const QUEUE_DRIVERS = ['memory', 'redis'] as const;
export type QueueDriverName = (typeof QUEUE_DRIVERS)[number];

export const queueConfig = registerAs('queue', () => {
  const env = new EnvReader();
  const redisUrl = env.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
  return {
    driver: env.oneOf<QueueDriverName>('QUEUE_DRIVER', QUEUE_DRIVERS, 'memory'),
    redisUrl: redisUrl?.toString() ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.string('REDIS_PREFIX', 'mailwatch'),
  };
});

export type QueueConfig = ConfigType<typeof queueConfig>;
