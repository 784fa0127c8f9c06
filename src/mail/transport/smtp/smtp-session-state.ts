/** What a connection does once a transaction on it is over (SessionState.end). */
export type SessionNext = 'wait' | 'release' | 'reset' | 'quit' | 'destroy';

/**
 * The state of one logged-in connection, owned by its SmtpSession: the pool and the
 * transaction report events (a transaction began, a message was accepted, the server said
 * 421) and ask what comes next; none of them writes these fields.
 *
 *   idle ──begin──▶ busy (1 or 2 in flight) ──end──▶ idle | resetting ──▶ idle
 *                      │                          └──▶ quitting (cap reached, pool closing)
 *                      └── 421 / out of step ──▶ broken ──▶ closed
 */
export class SessionState {
  private inFlight = 0;
  private accepted = 0;
  private resetDue = false;
  private goingAway = false;
  private idleAt = Date.now();
  private readonly openedAt = Date.now();
  private successorAsked = false;
  private handedOver = false;

  constructor(private readonly maxMessages: number) {}

  /** Messages accepted over this connection. */
  get messages(): number {
    return this.accepted;
  }

  /**
   * Transactions whose outcome the pool has not handled yet. On the wire at most two are
   * open: one message awaiting its end-of-data reply and the next envelope behind it.
   */
  get inflight(): number {
    return this.inFlight;
  }

  /** The server said it is closing (421) or the conversation went out of step. */
  get broken(): boolean {
    return this.goingAway;
  }

  get idleSince(): number {
    return this.idleAt;
  }

  begin(): void {
    this.inFlight++;
  }

  delivered(): void {
    this.accepted++;
  }

  markBroken(): void {
    this.goingAway = true;
  }

  /** Room for one more transaction (an overlapped envelope) under the per-connection cap. */
  hasRoom(): boolean {
    return !this.goingAway && !this.handedOver && this.accepted + this.inFlight < this.maxMessages;
  }

  /**
   * A transaction is over. `reusable`: the conversation is still in step; `needsReset`: it
   * ended before its end of data, leaving one open on the server. The last one in flight
   * decides: RSET only when nothing else is in flight, so it cannot cut into another.
   */
  end(reusable: boolean, needsReset: boolean, closed: boolean, closing: boolean): SessionNext {
    this.inFlight--;
    if (needsReset) this.resetDue = true;
    // Out of step: the transaction behind this one (if any) fails as a connection error.
    if (!reusable) return 'destroy';
    if (this.inFlight > 0) return 'wait';
    if (this.goingAway || closed) return 'destroy';
    if (this.accepted >= this.maxMessages || this.handedOver || closing) return 'quit';
    if (!this.resetDue) return 'release';
    this.resetDue = false;
    return 'reset';
  }

  idle(): void {
    this.idleAt = Date.now();
  }

  /** Its successor is ready: this connection takes nothing more and QUITs once it is idle. */
  handOver(): void {
    this.handedOver = true;
  }

  /** The successor could not connect: this connection stays until its cap. */
  successorFailed(): void {
    this.successorAsked = false;
  }

  /** A successor was asked for: this connection is leaving (at its cap or handover). */
  get retiring(): boolean {
    return this.successorAsked;
  }

  /**
   * True once, when the cap is near enough that a connection opened now (`openMs`, the
   * relay's measured connect-to-ready time, doubled for its variance) is ready before this
   * one takes its last message — at this connection's own pace so far; at the latest when
   * that last message begins. A relay that greets slowly (smtp-server waits 100 ms, Postfix's
   * postscreen seconds, TLS and AUTH over a WAN several round trips) would otherwise leave a
   * hole in the pool at every renewal, and the sends queued meanwhile wait for it.
   */
  successorDue(openMs: number, now = Date.now()): boolean {
    if (this.successorAsked || this.goingAway) return false;
    const left = this.maxMessages - this.accepted - this.inFlight;
    if (left > 0) {
      if (this.accepted < 2) return false;
      const msPerMessage = (now - this.openedAt) / this.accepted;
      if (left * msPerMessage > 2 * openMs) return false;
    }
    this.successorAsked = true;
    return true;
  }
}
