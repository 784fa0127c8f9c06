import { Logger } from '@nestjs/common';
import { QueueUnavailableError } from '../queue-errors';

const RETRY_AFTER_SECONDS = 5;

/**
 * Every request-path call to Redis is bounded: the command connection has its own timeout,
 * but BullMQ may await the connection's readiness first, which has none. A caller gets a
 * 503 with Retry-After, never a hang.
 */
export class RedisBounds {
  private readonly logger = new Logger('RedisDeliveryQueue');
  private lastErrorLog = 0;
  /** Redis answered nothing in time since this moment (TCP up, server frozen or overloaded). */
  private stalledSince?: number;

  constructor(readonly timeoutMs: number) {}

  /** False while the last bounded call timed out and none has succeeded since. */
  get responsive(): boolean {
    return this.stalledSince === undefined;
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stalledSince ??= Date.now();
        reject(this.unavailable());
      }, this.timeoutMs);
    });
    try {
      const result = await Promise.race([work, timeout]);
      this.stalledSince = undefined;
      return result;
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      this.logError('command', err as Error);
      throw this.unavailable();
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  unavailable(): QueueUnavailableError {
    return new QueueUnavailableError(
      'delivery queue store (Redis) is unreachable; nothing was queued, retry later',
      RETRY_AFTER_SECONDS,
    );
  }

  /** An outage makes every BullMQ object complain on each reconnect: log once every 5 s. */
  logError(source: string, err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 5_000) return;
    this.lastErrorLog = now;
    this.logger.warn(`redis ${source}: ${err.message}`);
  }
}
