import type { BuiltMessage } from './message-builder';
import type { Job, PoolStats } from './pool-job';
import { SmtpDeliveryError, timedOut } from './smtp-error';
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

const closingError = () =>
  new SmtpDeliveryError('connection', null, 'the SMTP transport is shutting down', true, 'pool');

/**
 * Up to `poolSize` warm sessions to one relay. Invariants that keep it from wedging:
 * a session leaves `live` exactly when its socket closes (whatever closed it); a failed
 * connect never takes a slot; when no connection is open or opening, nothing waits in the
 * queue; and every send settles by `attemptTimeoutMs`, in-flight ones by destroying their
 * connection.
 */
export class SmtpPool {
  private readonly live = new Set<SmtpSession>();
  /** Sends on a connection, for the watchdog (at most two per connection). */
  private readonly running = new Set<Job>();
  private idle: SmtpSession[] = [];
  private opening = 0;
  private busy = 0;
  private queue: Job[] = [];
  private reconnectAt = 0;
  private closing = false;
  private drained: Array<() => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  readonly stats: PoolStats = {
    sent: 0,
    failed: 0,
    possibleDuplicates: 0,
    connects: 0,
    connectFailures: 0,
  };
  /** Each connect (error = it failed) and each accepted message: the relay's health follows. */
  onContact?: (error?: SmtpDeliveryError) => void;

  constructor(private readonly options: SmtpEngineOptions) {
    this.sweeper = setInterval(() => this.sweepIdle(), Math.min(options.idleTimeoutMs, 5000));
    this.sweeper.unref();
  }

  get size(): { open: number; idle: number; opening: number; busy: number; queued: number } {
    return {
      open: this.live.size,
      idle: this.idle.length,
      opening: this.opening,
      busy: this.busy,
      queued: this.queue.length,
    };
  }

  send(message: BuiltMessage): Promise<TransactionResult> {
    if (this.closing) return Promise.reject(closingError());
    return new Promise((resolve, reject) => {
      const job: Job = {
        message,
        resolve,
        reject,
        timer: undefined,
        done: false,
        phase: 'queued',
        overlapped: false,
        staleRetried: false,
      };
      job.timer = setTimeout(() => this.expire(job), this.options.attemptTimeoutMs);
      this.queue.push(job);
      this.pump();
    });
  }

  /** Lets queued and in-flight sends finish (bounded), then QUITs every connection. */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    if (this.queue.length > 0 || this.busy > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
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
    const want = Math.min(this.queue.length - this.opening, this.options.poolSize - starting);
    for (let i = 0; i < want; i++) this.openOne();
  }

  private openOne(): void {
    this.opening++;
    SmtpSession.open(this.options).then(
      (session) => {
        this.opening--;
        this.stats.connects++;
        this.onContact?.();
        if (this.closing) return void session.quit();
        this.live.add(session);
        session.channel.onClose = () => this.forget(session);
        if (session.closed) return this.forget(session);
        this.release(session);
      },
      (error: SmtpDeliveryError) => {
        this.opening--;
        this.stats.connectFailures++;
        this.onContact?.(error);
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
  private run(job: Job, session: SmtpSession, previous?: Promise<SmtpReply>): void {
    job.session = session;
    job.phase = 'envelope';
    job.overlapped = previous !== undefined;
    session.inflight++;
    this.busy++;
    this.running.add(job);
    runTransaction(session, job.message, {
      previous,
      onBody: (final) => {
        job.phase = 'body';
        this.overlap(session, final);
      },
    }).then(
      (result) => {
        this.busy--;
        this.running.delete(job);
        job.session = undefined;
        session.messages++;
        this.onContact?.();
        this.settle(job, undefined, result);
        this.finish(session, true, false);
      },
      (failure: TransactionFailure) => {
        this.busy--;
        this.running.delete(job);
        job.session = undefined;
        const error = failure.error;
        // Counted once: the watchdog already counted (and settled) the sends it cut short.
        if (error.possibleDuplicate && !job.done) this.stats.possibleDuplicates++;
        // A reused connection the server closed while idle: nothing was sent, use a fresh one.
        // Not for an overlapped job: its connection was busy, not stale, and it failed because
        // the one before it ended the session (or the session broke): the caller retries.
        const stale =
          !job.overlapped &&
          session.messages > 0 &&
          error.code === 'connection' &&
          error.stage === 'mail';
        if (stale && !job.staleRetried && !job.done) {
          job.staleRetried = true;
          this.queue.unshift(job);
        } else {
          this.settle(job, error);
        }
        // After the end of data the transaction is over, whatever the reply (RFC 5321
        // §4.1.1.4): only a failure before it leaves one open that RSET has to clear.
        this.finish(session, failure.reusable, error.stage !== 'message');
        // The connection may have closed before this job went back to the queue.
        this.pump();
      },
    );
  }

  /**
   * A message was just written on `session`: the next queued job's envelope goes out in the
   * same write, ahead of that message's end-of-data reply (RFC 2920 §3.1 lets the message
   * content open a group). Only on pipelining sessions, and never past the per-connection cap.
   */
  private overlap(session: SmtpSession, final: Promise<SmtpReply>): void {
    if (!session.pipelining || session.broken || session.closed || this.closing) return;
    if (session.messages + session.inflight >= this.options.maxMessagesPerConnection) return;
    const job = this.queue.shift();
    if (job) this.run(job, session, final);
  }

  /** One transaction on `session` is over; the last one in flight decides what comes next. */
  private finish(session: SmtpSession, reusable: boolean, needsReset: boolean): void {
    session.inflight--;
    if (needsReset) session.needsReset = true;
    // Out of step: the transaction behind this one (if any) fails as a connection error.
    if (!reusable) return session.destroy();
    if (session.inflight > 0) return;
    if (session.broken || session.closed) return session.destroy();
    if (session.messages >= this.options.maxMessagesPerConnection || this.closing)
      return void session.quit();
    if (!session.needsReset) return this.release(session);
    // RSET only now: nothing else is in flight, so it cannot cut into another transaction.
    session.needsReset = false;
    void session.reset().then((ok) => (ok ? this.release(session) : session.destroy()));
  }

  private release(session: SmtpSession): void {
    if (session.closed) return;
    if (this.closing && this.queue.length === 0) return void session.quit();
    const job = this.queue.shift();
    if (job) return this.run(job, session);
    session.idleSince = Date.now();
    this.idle.push(session);
    this.checkDrained();
  }

  private forget(session: SmtpSession): void {
    if (!this.live.delete(session)) return;
    const at = this.idle.indexOf(session);
    if (at >= 0) this.idle.splice(at, 1);
    this.pump();
  }

  /** The watchdog: queued sends give up; an in-flight send takes its connection down with it. */
  private expire(job: Job): void {
    if (job.done) return;
    const session = job.session;
    if (session) {
      // The send overlapped with this one shares its fate and its cause (the relay stopped
      // answering), and its classification: a duplicate risk only if its own body went out.
      for (const cut of this.running) {
        if (cut.session !== session) continue;
        const afterData = cut.phase === 'body';
        if (afterData) this.stats.possibleDuplicates++;
        this.settle(cut, timedOut(afterData ? 'message' : 'mail', afterData));
      }
      session.destroy();
      return;
    }
    const at = this.queue.indexOf(job);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(
      job,
      new SmtpDeliveryError(
        'timeout',
        null,
        'no SMTP connection became ready in time',
        true,
        'pool',
      ),
    );
  }

  private settle(job: Job, error: SmtpDeliveryError | undefined, result?: TransactionResult): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (error) {
      this.stats.failed++;
      job.reject(error);
    } else {
      this.stats.sent++;
      job.resolve(result!);
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained.length === 0 || this.queue.length > 0 || this.busy > 0) return;
    this.drained.splice(0).forEach((wake) => wake());
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.options.idleTimeoutMs;
    for (const session of this.idle.filter((s) => s.idleSince < cutoff)) {
      this.idle.splice(this.idle.indexOf(session), 1);
      void session.quit();
    }
  }
}
