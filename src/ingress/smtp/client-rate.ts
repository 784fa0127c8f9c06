const WINDOW_MS = 60_000;

/**
 * Messages per client in the last minute on the SMTP listener, in this process (a sliding
 * window: no burst of twice the limit around a minute boundary). The HTTP API's RATE_LIMIT
 * counts requests; this counts submitted messages, which a misconfigured tool can loop on
 * far faster than anyone calls the REST API.
 */
export class ClientRate {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Counts one message for `client`; false when it is over the limit (nothing counted). */
  take(client: string, now = Date.now()): boolean {
    if (this.perMinute === 0) return true;
    const times = this.sent.get(client) ?? [];
    while (times.length > 0 && times[0] <= now - WINDOW_MS) times.shift();
    if (times.length >= this.perMinute) return false;
    times.push(now);
    this.sent.set(client, times);
    return true;
  }
}
