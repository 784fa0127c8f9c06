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
