/** What GET /webhooks shows of one endpoint (this replica's view). */
export interface EndpointStatus {
  paused: boolean;
  /** Since when every attempt failed (absent after a success). */
  failingSince?: string;
  /** The last failure: `HTTP 500`, `ECONNREFUSED`, `timed out`… (never a host). */
  lastFailure?: string;
  /** Paused: when the next single probe request may go out. */
  nextProbeAt?: string;
}

/**
 * One endpoint's failure streak. Failing without a success for WEBHOOK_PAUSE_AFTER_SECONDS
 * pauses it: its events stay in the outbox (their age still counts towards
 * WEBHOOK_MAX_AGE_SECONDS) and only one probe request at a time goes out, at a delay doubling
 * from WEBHOOK_RETRY_BASE_MS up to WEBHOOK_RETRY_MAX_MS. The first 2xx resumes it, and its
 * held events become due at once. Kept per process: each replica pauses on its own evidence.
 */
export class EndpointHealth {
  private failingSince?: number;
  private lastFailure?: string;
  private probeDelayMs = 0;
  private nextProbeAt = 0;
  private probing = false;
  paused = false;

  constructor(
    private readonly pauseAfterMs: number,
    private readonly probeBaseMs: number,
    private readonly probeMaxMs: number,
  ) {}

  /**
   * Whether an event of this endpoint may be sent now; if not, when to look at it again.
   * While paused, the one event let through is the probe.
   */
  admit(now: number): { send: true } | { send: false; until: number } {
    if (!this.paused) return { send: true };
    if (this.probing || now < this.nextProbeAt)
      return { send: false, until: Math.max(this.nextProbeAt, now + this.probeBaseMs) };
    this.probing = true;
    return { send: true };
  }

  /** Returns true when this success resumed a paused endpoint. */
  succeeded(): boolean {
    const resumed = this.paused;
    this.failingSince = undefined;
    this.lastFailure = undefined;
    this.paused = false;
    this.probing = false;
    return resumed;
  }

  /** Returns true when this failure paused the endpoint. */
  failed(reason: string, now: number): boolean {
    this.lastFailure = reason;
    this.failingSince ??= now;
    if (this.paused) {
      this.probing = false;
      this.probeDelayMs = Math.min(this.probeMaxMs, this.probeDelayMs * 2);
      this.nextProbeAt = now + this.probeDelayMs;
      return false;
    }
    if (now - this.failingSince < this.pauseAfterMs) return false;
    this.paused = true;
    this.probeDelayMs = this.probeBaseMs;
    this.nextProbeAt = now + this.probeDelayMs;
    return true;
  }

  status(): EndpointStatus {
    const iso = (ms: number | undefined) =>
      ms === undefined ? undefined : new Date(ms).toISOString();
    return {
      paused: this.paused,
      failingSince: iso(this.failingSince),
      lastFailure: this.lastFailure,
      nextProbeAt: this.paused ? iso(this.nextProbeAt) : undefined,
    };
  }
}
