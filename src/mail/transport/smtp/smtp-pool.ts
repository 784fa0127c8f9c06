import { ConnectionRenewal } from './connection-renewal';
import type { BuiltMessage } from './message-builder';
import {
  afterPause,
  closingError,
  cutShort,
  newStats,
  quitIdleSince,
  noConnectionInTime,
  wakeOrTimeout,
  PoolJob,
  type PoolStats,
} from './pool-job';
import type { SmtpDeliveryError } from './smtp-error';
import type { SmtpEngineOptions } from './smtp-options';
import { SmtpSession } from './smtp-session';
import type { SmtpReply } from './smtp-reply';
import {
  runTransaction,
  type TransactionFailure,
  type TransactionResult,
} from './smtp-transaction';

export type { PoolStats } from './pool-job';

/** After a failed connect, new connections wait this long unless none is open at all. */
const RECONNECT_PAUSE_MS = 1000;

/**
 * Up to `poolSize` warm sessions to one relay (plus, for a moment, a retiring one: see
 * ConnectionRenewal). Invariants that keep it from wedging:
 * a session leaves `live` exactly when its socket closes (whatever closed it); a failed
 * connect never takes a slot; when no connection is open or opening, nothing waits in the
 * queue; and every send settles by `attemptTimeoutMs`, in-flight ones by destroying their
 * connection. A send's own state (phase, connection, settled) is its PoolJob's, a
 * connection's is its SessionState: the pool reports events to them and asks.
 */
export class SmtpPool {
  private readonly live = new Set<SmtpSession>();
  /** Sends on a connection, for the watchdog (at most two per connection). */
  private readonly running = new Set<PoolJob>();
  private idle: SmtpSession[] = [];
  private opening = 0;
  private queue: PoolJob[] = [];
  private reconnectAt = 0;
  private readonly renewal = new ConnectionRenewal();
  private closing = false;
  private drained: Array<() => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  readonly stats: PoolStats = newStats();
  /** Each connect (error = it failed) and each accepted message: the relay's health follows. */
  onContact?: (error?: SmtpDeliveryError) => void;
  /** The relay's rate cap: how long this message waits before its envelope goes out. */
  pace?: () => number;

  constructor(private readonly options: SmtpEngineOptions) {
    const sweep = () => (this.idle = quitIdleSince(this.idle, Date.now() - options.idleTimeoutMs));
    this.sweeper = setInterval(sweep, Math.min(options.idleTimeoutMs, 5000));
    this.sweeper.unref();
  }

  get size(): Record<'open' | 'idle' | 'opening' | 'busy' | 'queued' | 'retiring', number> {
    const { live, idle, opening, running, queue } = this;
    return {
      open: live.size,
      idle: idle.length,
      opening,
      busy: running.size,
      queued: queue.length,
      retiring: this.renewal.retiring,
    };
  }

  send(message: BuiltMessage): Promise<TransactionResult> {
    if (this.closing) return Promise.reject(closingError());
    return new Promise((resolve, reject) => {
      this.queue.push(
        new PoolJob(message, resolve, reject, this.options.attemptTimeoutMs, this.expire),
      );
      this.pump();
    });
  }

  /** Lets queued and in-flight sends finish (bounded), then QUITs every connection. */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    if (this.queue.length > 0 || this.running.size > 0) await wakeOrTimeout(this.drained, graceMs);
    for (const job of this.queue.splice(0)) this.settle(job, closingError());
    const idle = new Set(this.idle);
    this.idle = [];
    // A session whose last transaction just ended is already saying QUIT (or RSET): let it.
    const busy = [...this.live].filter((s) => !idle.has(s) && s.inflight > 0);
    busy.forEach((s) => s.destroy());
    await Promise.all([...idle].map((s) => s.quit()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const session = this.idle.pop();
      if (!session) break;
      if (!session.closed) this.run(this.queue.shift()!, session);
    }
    const starting = this.live.size + this.opening;
    if (this.queue.length === 0 || this.closing) return;
    if (starting > 0 && Date.now() < this.reconnectAt) return;
    const room = this.options.poolSize - starting + this.renewal.retiring;
    const want = Math.min(this.queue.length - this.opening, room);
    for (let i = 0; i < want; i++) this.openOne();
  }

  private openOne(replacing?: SmtpSession): void {
    this.opening++;
    const ready = this.renewal.timing();
    SmtpSession.open(this.options).then(
      (session) => {
        this.opening--;
        this.stats.connects++;
        ready();
        this.onContact?.();
        if (this.closing) return void session.quit();
        this.live.add(session);
        session.onClose(() => this.forget(session));
        if (session.closed) return this.forget(session);
        if (replacing) this.renewal.handOver(replacing, this.idle);
        this.release(session);
      },
      (error: SmtpDeliveryError) => {
        this.opening--;
        this.stats.connectFailures++;
        if (!replacing || !this.renewal.failed(replacing)) this.onContact?.(error);
        this.reconnectAt = Date.now() + RECONNECT_PAUSE_MS;
        // Nobody left to serve the queue: fail it now, the retry policy takes over from here.
        if (this.live.size === 0 && this.opening === 0) {
          for (const job of this.queue.splice(0)) this.settle(job, error);
        }
        this.pump();
      },
    );
  }

  /** `previous`: the end-of-data reply of the message this job's envelope follows on the wire. */
  private run(job: PoolJob, session: SmtpSession, previous?: Promise<SmtpReply>): void {
    job.start(session, previous !== undefined);
    session.state.begin();
    this.renewAhead(session);
    this.running.add(job);
    const link = {
      previous,
      onBody: (final: Promise<SmtpReply>) => {
        job.wroteBody();
        this.overlap(session, final);
      },
    };
    // The rate cap spaces what goes on the wire, so warm-up or a backlog cannot bunch it.
    const transaction = afterPause(this.pace?.() ?? 0, () =>
      runTransaction(session, job.message, link),
    );
    transaction.then(
      (result) => {
        this.running.delete(job);
        job.off();
        session.state.delivered();
        this.onContact?.();
        this.settle(job, undefined, result);
        this.finish(session, true, false);
      },
      (failure: TransactionFailure) => {
        this.running.delete(job);
        job.off();
        const error = failure.error;
        // Counted once: the watchdog already counted (and settled) the sends it cut short.
        if (error.possibleDuplicate && !job.done) this.stats.possibleDuplicates++;
        if (job.requeueAfter(session, error)) this.queue.unshift(job);
        else this.settle(job, error);
        // After the end of data the transaction is over, whatever the reply (RFC 5321
        // §4.1.1.4): only a failure before it leaves one open that RSET has to clear.
        this.finish(session, failure.reusable, error.stage !== 'message');
        // The connection may have closed before this job went back to the queue.
        this.pump();
      },
    );
  }

  /** Opens `session`'s successor before its cap: renewing never leaves the pool short. */
  private renewAhead(session: SmtpSession): void {
    if (this.closing || Date.now() < this.reconnectAt || !this.renewal.due(session)) return;
    this.stats.renewals++;
    if (this.live.size + this.opening - this.renewal.retiring < this.options.poolSize)
      this.openOne(session);
  }

  /**
   * A message was just written on `session`: the next queued job's envelope goes out in the
   * same write, ahead of that message's end-of-data reply (RFC 2920 §3.1 lets the message
   * content open a group). Only on pipelining sessions, and never past the per-connection cap.
   */
  private overlap(session: SmtpSession, final: Promise<SmtpReply>): void {
    if (!session.pipelining || session.closed || this.closing || !session.state.hasRoom()) return;
    const job = this.queue.shift();
    if (job) this.run(job, session, final);
  }

  /** One transaction on `session` is over: the session says what its connection does next. */
  private finish(session: SmtpSession, reusable: boolean, needsReset: boolean): void {
    const next = session.state.end(reusable, needsReset, session.closed, this.closing);
    if (next === 'destroy') session.destroy();
    else if (next === 'quit') void session.quit();
    else if (next === 'release') this.release(session);
    else if (next === 'reset')
      void session.reset().then((ok) => (ok ? this.release(session) : session.destroy()));
  }

  private release(session: SmtpSession): void {
    if (session.closed) return;
    if (this.closing && this.queue.length === 0) return void session.quit();
    const job = this.queue.shift();
    if (job) return this.run(job, session);
    session.state.idle();
    this.idle.push(session);
    this.checkDrained();
  }

  private forget(session: SmtpSession): void {
    if (!this.live.delete(session)) return;
    this.renewal.gone(session);
    const at = this.idle.indexOf(session);
    if (at >= 0) this.idle.splice(at, 1);
    this.pump();
  }

  /** The watchdog: queued sends give up; an in-flight send takes its connection down with it. */
  private readonly expire = (job: PoolJob): void => {
    if (job.done) return;
    const session = job.session;
    if (session) {
      cutShort(this.running, session, (cut, error, duplicate) => {
        if (this.settle(cut, error) && duplicate) this.stats.possibleDuplicates++;
      });
      return session.destroy();
    }
    const at = this.queue.indexOf(job);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(job, noConnectionInTime());
  };

  /** True when this call settled `job` (a send settles once, whoever gets there first). */
  private settle(job: PoolJob, error: SmtpDeliveryError | undefined, result?: TransactionResult) {
    if (!job.settle(error, result)) return false;
    if (error) this.stats.failed++;
    else this.stats.sent++;
    this.checkDrained();
    return true;
  }

  private checkDrained(): void {
    if (this.drained.length === 0 || this.queue.length > 0 || this.running.size > 0) return;
    this.drained.splice(0).forEach((wake) => wake());
  }
}
