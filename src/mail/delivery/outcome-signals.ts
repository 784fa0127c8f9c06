import { isSettled, type EmailView } from './email-view';

type Wake = () => void;

export interface OutcomeSignal {
  /** Resolves when the email settles or after `ms`, whichever is first. */
  wait(ms: number): Promise<void>;
  cancel(): void;
}

/** Callers waiting for an email's outcome in this process, woken by queue events. */
export class OutcomeSignals {
  private readonly waiters = new Map<string, Set<Wake>>();

  listen(id: string): OutcomeSignal {
    let wake: Wake = () => undefined;
    let fired = false;
    const onWake: Wake = () => {
      fired = true;
      wake();
    };
    const set = this.waiters.get(id) ?? new Set<Wake>();
    set.add(onWake);
    this.waiters.set(id, set);
    const cancel = () => {
      set.delete(onWake);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
    };
    return {
      cancel,
      wait: (ms) =>
        new Promise<void>((resolve) => {
          if (fired) {
            cancel();
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            cancel();
            resolve();
          }, ms);
          wake = () => {
            clearTimeout(timer);
            cancel();
            resolve();
          };
        }),
    };
  }

  wake(id: string): void {
    const set = this.waiters.get(id);
    if (!set) return;
    this.waiters.delete(id);
    set.forEach((wake) => wake());
  }

  wakeAll(): void {
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }
}

export interface WaitOptions {
  /**
   * Also wait while the email is not stored yet: a repeated Idempotency-Key can arrive
   * before the first request stored its email. Otherwise an unknown id returns at once.
   */
  untilStored?: boolean;
  /** Return as soon as the email is stored, settled or not. */
  storedOnly?: boolean;
  /**
   * Re-read at least this often: a safety net for drivers whose wake-ups can be missed
   * (Redis events across a reconnect). Local drivers wake on every change and need none.
   */
  recheckMs?: number;
  /** Stop waiting (shutting down): the view as it stands. */
  closed?: () => boolean;
}

/**
 * The one way to wait for an email: listen, read, and sleep until the driver signals this
 * id (stored or settled) or the bound ends. Listening before reading means a change between
 * the read and the wait is never missed, so no polling is needed.
 */
export async function waitForView(
  signals: OutcomeSignals,
  read: (id: string) => Promise<EmailView | undefined>,
  id: string,
  timeoutMs: number,
  options: WaitOptions = {},
): Promise<EmailView | undefined> {
  const deadline = Date.now() + timeoutMs;
  let view: EmailView | undefined;
  for (;;) {
    const signal = signals.listen(id);
    try {
      view = await read(id);
    } catch {
      signal.cancel();
      return view;
    }
    const left = deadline - Date.now();
    const done = view
      ? isSettled(view) || options.storedOnly === true
      : options.untilStored !== true;
    if (done || left <= 0 || options.closed?.()) {
      signal.cancel();
      return view;
    }
    await signal.wait(Math.min(left, options.recheckMs ?? left));
  }
}
