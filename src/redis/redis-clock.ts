import type { Redis } from 'ioredis';

/** Re-measured at most this often; clocks drift slowly, a TIME round trip is cheap. */
const RESYNC_MS = 30_000;

/**
 * This process's estimate of the Redis server's clock (its offset from ours, measured with
 * TIME halfway through a round trip). Scripts that must not run "too late" (a timed-out
 * enqueue executed when a frozen Redis wakes up) carry a deadline on the server's clock.
 * A wrong estimate can only refuse a request (503), never admit a late one: the script
 * compares with the server's own TIME, and a refusal is reported back.
 */
export class RedisClock {
  private offsetMs = 0;
  private measuredAt = 0;
  private measuring = false;

  constructor(private readonly redis: Redis) {}

  /** Now, on the Redis server's clock (ms). */
  now(): number {
    this.refresh();
    return Date.now() + this.offsetMs;
  }

  /**
   * The server-clock deadline by which a command sent now must run for its reply to be
   * back within `boundMs`: a quarter of the bound is left for the reply's way back.
   */
  deadline(boundMs: number): number {
    return this.now() + Math.floor((boundMs * 3) / 4);
  }

  /** Measures the offset now (bounded by the connection's command timeout). */
  async sync(): Promise<void> {
    const sent = Date.now();
    const [seconds, micros] = await this.redis.time();
    const received = Date.now();
    this.offsetMs =
      Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (sent + received) / 2;
    this.measuredAt = received;
  }

  /** Re-measures in the background when the estimate is old, or when told it was wrong. */
  refresh(force = false): void {
    if (this.measuring || (!force && Date.now() - this.measuredAt < RESYNC_MS)) return;
    this.measuring = true;
    this.sync()
      .catch(() => undefined)
      .finally(() => (this.measuring = false));
  }
}
