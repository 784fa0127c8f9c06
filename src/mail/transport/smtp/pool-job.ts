import type { BuiltMessage } from './message-builder';
import { SmtpDeliveryError, timedOut } from './smtp-error';
import type { SmtpSession } from './smtp-session';
import type { TransactionResult } from './smtp-transaction';

/**
 * Where a send is. `body` once the whole message was written: from then on a lost reply may
 * mean a duplicate. `settled` is final: its promise has been resolved or rejected.
 */
export type JobPhase = 'queued' | 'envelope' | 'body' | 'settled';

/**
 * One send waiting in, or running through, the pool. Its state lives here alone: the pool
 * reports what happened (it went onto a connection, its body was written, it came off) and
 * asks (is it settled, is it on this connection, may it move to a fresh one); it writes no
 * field of the job.
 *
 *   queued ──start──▶ envelope ──wroteBody──▶ body ──off──▶ (settle, or once back to queued)
 *      └──────────────────────── settle (at most once, from any phase) ───────▶ settled
 *
 * Its watchdog starts with it: `expire(job)` runs after `timeoutMs` unless it settled first.
 */
export class PoolJob {
  private at: JobPhase = 'queued';
  private on: SmtpSession | undefined;
  /** Its envelope went out right behind the previous message, before that one's reply. */
  private overlapped = false;
  /** Already moved once off a connection the server had closed while it sat idle. */
  private moved = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly message: BuiltMessage,
    private readonly resolve: (result: TransactionResult) => void,
    private readonly reject: (error: SmtpDeliveryError) => void,
    timeoutMs: number,
    expire: (job: PoolJob) => void,
  ) {
    this.timer = setTimeout(expire, timeoutMs, this);
  }

  get phase(): JobPhase {
    return this.at;
  }

  get done(): boolean {
    return this.at === 'settled';
  }

  /** The connection it runs on, until its transaction is over. */
  get session(): SmtpSession | undefined {
    return this.on;
  }

  /** It went onto `session`; `overlapped`: behind a message still awaiting its reply. */
  start(session: SmtpSession, overlapped: boolean): void {
    if (this.at !== 'queued') return;
    this.at = 'envelope';
    this.on = session;
    this.overlapped = overlapped;
  }

  wroteBody(): void {
    if (this.at === 'envelope') this.at = 'body';
  }

  /** Its transaction is over (it may already have been settled by the watchdog). */
  off(): void {
    this.on = undefined;
  }

  /**
   * After its transaction on `session` failed with `error`: true (and back to `queued`) when
   * that was a reused connection the server had closed while idle. Nothing was sent, so it
   * moves once to a fresh connection instead of failing. Never for an overlapped job: its
   * connection was busy, not stale, and it failed because the one before it ended the session
   * (or the session broke): the caller retries.
   */
  requeueAfter(session: SmtpSession, error: SmtpDeliveryError): boolean {
    const stale =
      !this.overlapped &&
      session.messages > 0 &&
      error.code === 'connection' &&
      error.stage === 'mail';
    if (!stale || this.moved || this.at === 'settled') return false;
    this.moved = true;
    this.at = 'queued';
    return true;
  }

  /** Settles its promise; false when it was already settled (nothing happens then). */
  settle(error: SmtpDeliveryError | undefined, result?: TransactionResult): boolean {
    if (this.at === 'settled') return false;
    this.at = 'settled';
    clearTimeout(this.timer);
    if (error) this.reject(error);
    else this.resolve(result!);
    return true;
  }
}

/** Counters since the pool started (the engine's own, not yet Prometheus metrics). */
export interface PoolStats {
  sent: number;
  failed: number;
  /** Sends whose connection died after the whole message was written (may be duplicates). */
  possibleDuplicates: number;
  connects: number;
  connectFailures: number;
  /** Successors opened ahead of a connection's message cap (SmtpPool.renewAhead). */
  renewals: number;
}

export const closingError = () =>
  new SmtpDeliveryError('connection', null, 'the SMTP transport is shutting down', true, 'pool');

export const noConnectionInTime = () =>
  new SmtpDeliveryError('timeout', null, 'no SMTP connection became ready in time', true, 'pool');

/**
 * The watchdog cut `session` down: every send on it (the one that ran out of time and the
 * one overlapped with it) shares its fate and cause (the relay stopped answering), and is a
 * duplicate risk only if its own body went out.
 */
export function cutShort(
  running: Iterable<PoolJob>,
  session: SmtpSession,
  settle: (job: PoolJob, error: SmtpDeliveryError, possibleDuplicate: boolean) => void,
): void {
  for (const cut of running) {
    if (cut.session !== session) continue;
    const afterData = cut.phase === 'body';
    settle(cut, timedOut(afterData ? 'message' : 'mail', afterData), afterData);
  }
}

export const newStats = (): PoolStats => ({
  sent: 0,
  failed: 0,
  possibleDuplicates: 0,
  connects: 0,
  connectFailures: 0,
  renewals: 0,
});

/** Runs `start` now, or after `ms` when the relay's rate cap says so. */
export function afterPause<T>(ms: number, start: () => Promise<T>): Promise<T> {
  return ms > 0 ? new Promise((go) => setTimeout(go, ms)).then(start) : start();
}

/** Resolves when the function pushed onto `waiters` is called, or after `ms`. */
export function wakeOrTimeout(waiters: Array<() => void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    waiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** QUITs the idle sessions unused since `cutoff`; returns the ones kept. */
export function quitIdleSince(idle: SmtpSession[], cutoff: number): SmtpSession[] {
  idle.filter((s) => s.idleSince < cutoff).forEach((s) => void s.quit());
  return idle.filter((s) => s.idleSince >= cutoff);
}
