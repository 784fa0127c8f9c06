/**
 * Messages per client per minute on the SMTP listener, in this process (fixed one-minute
 * windows). The HTTP API's RATE_LIMIT counts requests; this counts submitted messages, which
 * a misconfigured tool can loop on far faster than anyone would call the REST API.
 */
export class ClientRate {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  /** Counts one message for `client`; false when it is over the limit (nothing counted). */
  take(client: string, now = Date.now()): boolean {
    if (this.perMinute === 0) return true;
    const window = Math.floor(now / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const used = this.counts.get(client) ?? 0;
    if (used >= this.perMinute) return false;
    this.counts.set(client, used + 1);
    return true;
  }
}
