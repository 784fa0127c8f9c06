import { performance } from 'node:perf_hooks';
import type { SmtpSession } from './smtp-session';

/** After a successor was refused, no renewing ahead for this long (renewal at the cap only). */
export const RENEWAL_PAUSE_MS = 5 * 60_000;

/**
 * Renewing a pool's connections ahead of their message cap (SessionState.successorDue): how
 * long this relay takes from connect to ready, and how many live sessions are leaving. A
 * leaving session does not count against the pool size, so for the moment of a handover the
 * relay sees one connection more than the pool: the retiring one, finishing.
 */
export class ConnectionRenewal {
  /** Connect-to-ready time of this relay (moving average), 0 until the first connect. */
  private openMs = 0;
  /** Live sessions whose successor is open or opening. */
  retiring = 0;
  private pausedUntil = 0;

  /** Marks the start of a connect; call the result once it is ready. */
  timing(): () => void {
    const started = performance.now();
    return () => {
      const took = performance.now() - started;
      this.openMs = this.openMs === 0 ? took : 0.8 * this.openMs + 0.2 * took;
    };
  }

  /** True (once per session) when `session`'s successor should open now. */
  due(session: SmtpSession): boolean {
    if (Date.now() < this.pausedUntil || !session.state.successorDue(this.openMs)) return false;
    this.retiring++;
    return true;
  }

  /** The successor is ready: an idle predecessor leaves `idle` and QUITs now, a busy one
   * after its last reply. */
  handOver(predecessor: SmtpSession, idle: SmtpSession[]): void {
    predecessor.state.handOver();
    const at = idle.indexOf(predecessor);
    if (at < 0) return;
    idle.splice(at, 1);
    void predecessor.quit();
  }

  /**
   * The successor's connect failed. While its predecessor still works, that says nothing
   * about the relay (one that caps connections per client refuses the one over the pool, a
   * `421` at the greeting): true, and the relay's health is not told; the predecessor counts
   * again and is replaced at its cap, as before renewing ahead, which pauses for a while.
   */
  failed(predecessor: SmtpSession): boolean {
    this.pausedUntil = Date.now() + RENEWAL_PAUSE_MS;
    if (predecessor.closed || predecessor.broken) return false;
    predecessor.state.successorFailed();
    this.retiring--;
    return true;
  }

  /** `session` closed. */
  gone(session: SmtpSession): void {
    if (session.state.retiring) this.retiring--;
  }
}
