import type { BuiltMessage } from './message-builder';
import { SmtpDeliveryError, timedOut } from './smtp-error';
import type { SmtpSession } from './smtp-session';
import type { TransactionResult } from './smtp-transaction';

/** One send waiting in, or running through, the pool. */
export interface Job {
  message: BuiltMessage;
  resolve(result: TransactionResult): void;
  reject(error: SmtpDeliveryError): void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  session?: SmtpSession;
  /** `body` once the whole message was written: from then on a lost reply may be a duplicate. */
  phase: 'queued' | 'envelope' | 'body';
  /** Its envelope went out right behind the previous message, before that one's reply. */
  overlapped: boolean;
  /** Already moved once off a connection the server had closed while it sat idle. */
  staleRetried: boolean;
}

/** Counters since the pool started (the engine's own, not yet Prometheus metrics). */
export interface PoolStats {
  sent: number;
  failed: number;
  /** Sends whose connection died after the whole message was written (may be duplicates). */
  possibleDuplicates: number;
  connects: number;
  connectFailures: number;
}

export function newJob(message: BuiltMessage, resolve: Job['resolve'], reject: Job['reject']): Job {
  return {
    message,
    resolve,
    reject,
    timer: undefined,
    done: false,
    phase: 'queued',
    overlapped: false,
    staleRetried: false,
  };
}

export const closingError = () =>
  new SmtpDeliveryError('connection', null, 'the SMTP transport is shutting down', true, 'pool');

export const noConnectionInTime = () =>
  new SmtpDeliveryError('timeout', null, 'no SMTP connection became ready in time', true, 'pool');

/**
 * A reused connection the server closed while idle: nothing was sent, so the job moves once
 * to a fresh connection instead of failing. Not for an overlapped job: its connection was
 * busy, not stale, and it failed because the one before it ended the session (or the
 * session broke): the caller retries.
 */
export function retryOnFreshConnection(
  job: Job,
  session: SmtpSession,
  error: SmtpDeliveryError,
): boolean {
  const stale =
    !job.overlapped &&
    session.messages > 0 &&
    error.code === 'connection' &&
    error.stage === 'mail';
  if (!stale || job.staleRetried || job.done) return false;
  job.staleRetried = true;
  return true;
}

/**
 * The watchdog cut `session` down: every send on it (the one that ran out of time and the
 * one overlapped with it) shares its fate and cause (the relay stopped answering), and is a
 * duplicate risk only if its own body went out.
 */
export function cutShort(
  running: Iterable<Job>,
  session: SmtpSession,
  settle: (job: Job, error: SmtpDeliveryError, possibleDuplicate: boolean) => void,
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
});

/** Runs `start` now, or after `ms` when the relay's rate cap says so. */
export function afterPause<T>(ms: number, start: () => Promise<T>): Promise<T> {
  return ms > 0 ? new Promise((go) => setTimeout(go, ms)).then(start) : start();
}

/** QUITs the idle sessions unused since `cutoff`; returns the ones kept. */
export function quitIdleSince(idle: SmtpSession[], cutoff: number): SmtpSession[] {
  idle.filter((s) => s.idleSince < cutoff).forEach((s) => void s.quit());
  return idle.filter((s) => s.idleSince >= cutoff);
}
