import type { BuiltMessage } from './message-builder';
import { RelayRate } from './relay-rate';
import { downCause, type DownCause } from './smtp-classify';
import { SmtpDeliveryError } from './smtp-error';
import type { SmtpEngineOptions } from './smtp-options';
import { SmtpPool } from './smtp-pool';
import { SmtpSession } from './smtp-session';
import type { TransactionResult } from './smtp-transaction';

/**
 * One relay: its pool, what we know of its health, and the probe that finds it again after
 * an outage. `up` is email_smtp_up (did the last session open); `available()` is narrower,
 * false only while the relay does not answer at all (README, "Relay outages").
 */
/** Calls every listener; one that throws neither stops the others nor the pool that got here. */
export function wakeAll(listeners: Iterable<() => void>): void {
  for (const listener of listeners) {
    try {
      listener();
    } catch {
      // The listener's own failure: the queue logs its errors, the engine must go on.
    }
  }
}

/** What an answering relay refused of ours: the fix is in our configuration, not the relay. */
export type RelayRefusal = 'auth' | 'tls';

function refusalOf(error: SmtpDeliveryError | undefined): RelayRefusal | undefined {
  if (error?.code === 'auth') return 'auth';
  return error?.stage === 'tls' ? 'tls' : undefined;
}

export class SmtpRelay {
  readonly pool: SmtpPool;
  /** Whether the relay took a session (or a message) last time we tried; undefined before. */
  up: boolean | undefined;
  /** When the relay last answered or refused us (ms since epoch; 0 = never). */
  lastContact = 0;
  /**
   * Set while the relay answers but refuses this configuration: our credentials (AUTH 5xx)
   * or our TLS (handshake or certificate). Up or down says nothing about that; this does.
   */
  refused: RelayRefusal | undefined;
  onHealth?: (up: boolean, refused?: RelayRefusal, smtpCode?: number | null) => void;
  private down: DownCause | undefined;
  /** The failure that showed the relay down: its code is what a fail-fast send reports. */
  private downCode: SmtpDeliveryError['code'] = 'connection';
  private probeDelayMs = 0;
  private probeTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  readonly options: SmtpEngineOptions;
  readonly rate: RelayRate;
  /** Attempts that reached this relay, by outcome (`sent` or the failure's code). */
  readonly attempts = new Map<string, number>();

  constructor(
    /** The `relay` label: chosen by the operator, never a hostname. */
    readonly name: string,
    options: SmtpEngineOptions,
  ) {
    this.options = { ...options, relayName: name };
    this.pool = new SmtpPool(this.options);
    this.pool.onContact = (error) => this.contact(error);
    this.rate = new RelayRate(options.maxPerSecond, options.rateRecoveryMs);
    this.pool.pace = () => this.rate.reserve();
  }

  /** False while the relay is known not to answer; a probe with backoff looks for it. */
  available(): boolean {
    return this.down === undefined;
  }

  /** Calls `listener` each time the relay answers again after being down. */
  onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sends through the pool. After a relay let a connect or greeting time out, sends fail at
   * once (retryable) until a probe finds it again, instead of each waiting out the same
   * timeout. A relay that refused quickly is still tried: that costs one round trip, and is
   * how a restarted relay is found between probes.
   */
  async send(message: BuiltMessage): Promise<TransactionResult> {
    if (this.down === 'stalled') throw this.downError();
    try {
      const result = await this.pool.send(message);
      this.count('sent');
      return result;
    } catch (err) {
      const error = err as SmtpDeliveryError;
      this.count(error.code);
      if (error.smtpCode === 421 && downCause(error) === undefined) this.rate.slowDown();
      throw error;
    }
  }

  private count(outcome: string): void {
    this.attempts.set(outcome, (this.attempts.get(outcome) ?? 0) + 1);
  }

  /** Opens a fresh session (TLS and AUTH included) and QUITs it; bounded by the timeouts. */
  async verify(): Promise<void> {
    let session: SmtpSession;
    try {
      session = await SmtpSession.open(this.options);
    } catch (err) {
      if (err instanceof SmtpDeliveryError) this.contact(err);
      throw err;
    }
    this.contact();
    await session.quit();
  }

  /**
   * Keeps `up` current while no mail flows: when nothing has touched the relay for
   * `intervalMs`, opens and QUITs a session. At most one probe runs at a time.
   */
  startHealthProbe(intervalMs: number): void {
    if (this.healthTimer) return;
    const tick = () => {
      if (Date.now() - this.lastContact < intervalMs) return;
      this.probe();
    };
    this.healthTimer = setInterval(tick, intervalMs);
    this.healthTimer.unref();
    tick();
  }

  async close(graceMs?: number): Promise<void> {
    this.closed = true;
    clearInterval(this.healthTimer);
    clearTimeout(this.probeTimer);
    await this.pool.close(graceMs);
  }

  private probe(): void {
    if (this.probing || this.closed) return;
    this.probing = this.verify()
      .catch(() => undefined)
      .finally(() => (this.probing = undefined));
  }

  /** Every outcome of opening a session or sending lands here; `error` = it failed. */
  private contact(error?: SmtpDeliveryError): void {
    this.lastContact = Date.now();
    const up = error === undefined;
    const refused = refusalOf(error);
    if (this.up !== up || this.refused !== refused) {
      this.up = up;
      this.refused = refused;
      this.onHealth?.(up, refused, error?.smtpCode);
    }
    const cause = error ? downCause(error) : undefined;
    const wasDown = this.down !== undefined;
    this.down = cause;
    if (cause) {
      this.downCode = error!.code;
      return this.scheduleProbe(wasDown);
    }
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.probeDelayMs = 0;
    if (wasDown) wakeAll(this.listeners);
  }

  /** 0.5 s, 1 s, 2 s … up to probeMaxMs while the relay stays down; one timer at a time. */
  private scheduleProbe(wasDown: boolean): void {
    if (this.closed || (wasDown && this.probeTimer)) return;
    this.probeDelayMs = wasDown
      ? Math.min(this.probeDelayMs * 2 || this.options.probeMinMs, this.options.probeMaxMs)
      : this.options.probeMinMs;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probe();
    }, this.probeDelayMs);
    this.probeTimer.unref();
  }

  /** Retryable, with the code of what showed the relay down (`timeout` for a stalled one). */
  private downError(): SmtpDeliveryError {
    return new SmtpDeliveryError(
      this.downCode,
      null,
      `SMTP relay "${this.name}" is down (it stopped answering); it is probed and used again when it answers`,
      true,
      'pool',
    );
  }
}
