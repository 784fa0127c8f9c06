/**
 * A relay's send-rate cap (SMTP_RATE_LIMIT) and its slow-down after a 421: messages start at
 * least 1/rate seconds apart. A 421 "slow down" halves the rate for that relay (from the cap,
 * or from what was actually sent in the last second when there is none); every `recoveryMs`
 * without another 421 doubles it back until the configured cap (or no cap) applies again.
 * Hosted relays (SES, Microsoft 365) enforce hard per-second caps: staying under them keeps
 * every message from burning a 421 and an attempt.
 */
export class RelayRate {
  /** Messages per second in force now; 0 = no cap. */
  private rate: number;
  private nextSlot = 0;
  private lowered?: { until: number; restoreAt: number };
  /** Sends in the current and the previous second, for a relay without a cap. */
  private window = { second: 0, current: 0, previous: 0 };

  constructor(
    private readonly maxPerSecond: number,
    private readonly recoveryMs = 60_000,
  ) {
    this.rate = maxPerSecond;
  }

  /** The rate in force now (messages/s, 0 = none), after any recovery that is due. */
  current(now = Date.now()): number {
    while (this.lowered && now >= this.lowered.until) {
      const doubled = this.rate * 2;
      if (doubled >= this.lowered.restoreAt) {
        this.rate = this.maxPerSecond;
        this.lowered = undefined;
      } else {
        this.rate = doubled;
        this.lowered.until += this.recoveryMs;
      }
    }
    return this.rate;
  }

  /**
   * Takes the next slot: how long to wait before starting this message (0 = now), or
   * undefined when the slot is further away than `maxWaitMs` (nothing is taken then).
   */
  reserve(maxWaitMs: number, now = Date.now()): number | undefined {
    this.count(now);
    const rate = this.current(now);
    if (rate === 0) return 0;
    const slot = Math.max(now, this.nextSlot);
    if (slot - now > maxWaitMs) return undefined;
    this.nextSlot = slot + 1000 / rate;
    return slot - now;
  }

  /** The relay answered 421 to a message: halve this relay's rate for a while. */
  slowDown(now = Date.now()): void {
    const base = this.current(now) || Math.max(1, this.sentLastSecond(now));
    const halved = Math.max(0.1, base / 2);
    const restoreAt = this.lowered?.restoreAt ?? (this.maxPerSecond || base);
    this.rate = halved;
    this.lowered = { until: now + this.recoveryMs, restoreAt };
    // Messages already given a slot keep it; the next ones are spaced at the new rate.
  }

  private count(now: number): void {
    const second = Math.floor(now / 1000);
    if (second !== this.window.second) {
      this.window.previous = second === this.window.second + 1 ? this.window.current : 0;
      this.window.current = 0;
      this.window.second = second;
    }
    this.window.current++;
  }

  private sentLastSecond(now: number): number {
    const fraction = (now % 1000) / 1000;
    return this.window.current + this.window.previous * (1 - fraction);
  }
}
