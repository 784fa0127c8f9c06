import {
  Counter,
  Gauge,
  type CounterConfiguration,
  type GaugeConfiguration,
  type LabelValues,
} from 'prom-client';
import { checkLabels, keyOf } from './series-key';

/*
 * Counters and gauges keep prom-client's storage: a handle accumulates a delta that is added
 * through the public inc() whenever the metric is read (get(), which every scrape and every
 * registry read calls) or changed in a way the delta must precede (set(), remove()), so every
 * read is exact. Only public methods are used here; the constructor's call to reset() before
 * this class's fields exist is the one behaviour of prom-client relied on.
 */

/** A counter handle: `inc()` costs one addition; the total reaches prom-client on read. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** A gauge handle for values that go up and down on the hot path (in-flight requests). */
export interface GaugeSeries {
  inc(by?: number): void;
  dec(): void;
}

/** One label set's change since the last read. */
class PendingDelta implements CounterSeries, GaugeSeries {
  delta = 0;
  /** Set by the first update: like prom-client, a series exists once it has been touched. */
  touched = false;
  flushed = false;

  constructor(readonly labels: LabelValues<string>) {}

  inc(by = 1): void {
    this.delta += by;
    this.touched = true;
  }

  dec(): void {
    this.delta--;
    this.touched = true;
  }
}

/** The handles of one counter or gauge, one per label set, handed to inc() on read. */
class PendingDeltas {
  private readonly byKey = new Map<string, PendingDelta>();
  private readonly names: readonly string[];

  constructor(labelNames: readonly string[] | undefined) {
    this.names = [...(labelNames ?? [])].sort();
  }

  handle(labels: LabelValues<string>): PendingDelta {
    const key = keyOf(this.names, labels);
    let delta = this.byKey.get(key);
    if (!delta) {
      checkLabels(this.names, labels);
      delta = new PendingDelta({ ...labels });
      this.byKey.set(key, delta);
    }
    return delta;
  }

  /** inc() with a negative delta is fine: prom-client's gauge adds whatever it is given. */
  flushInto(inc: (labels: LabelValues<string>, delta: number) => void): void {
    for (const d of this.byKey.values()) {
      // A gauge that went up and back down still shows its series (at 0), as prom-client's would.
      if (!d.touched || (d.delta === 0 && d.flushed)) continue;
      const delta = d.delta;
      d.delta = 0;
      d.flushed = true;
      inc(d.labels, delta);
    }
  }

  clear(): void {
    for (const d of this.byKey.values())
      Object.assign(d, { delta: 0, touched: false, flushed: false });
  }
}

export class HotCounter<T extends string = string> extends Counter<T> {
  private readonly pending: PendingDeltas;

  constructor(config: CounterConfiguration<T>) {
    super(config);
    this.pending = new PendingDeltas(config.labelNames);
  }

  /** The handle for one label set: the same object for the same labels, every call. */
  series(labels: LabelValues<T>): CounterSeries {
    return this.pending.handle(labels);
  }

  override get(): ReturnType<Counter<T>['get']> {
    this.flush();
    return super.get();
  }

  override remove(...args: unknown[]): void {
    this.flush();
    (super.remove as (...a: unknown[]) => void)(...args);
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    this.pending?.clear();
    super.reset();
  }

  private flush(): void {
    this.pending.flushInto((labels, delta) => this.inc(labels as LabelValues<T>, delta));
  }
}

export class HotGauge<T extends string = string> extends Gauge<T> {
  private readonly pending: PendingDeltas;

  constructor(config: GaugeConfiguration<T>) {
    super(config);
    this.pending = new PendingDeltas(config.labelNames);
  }

  /** The handle for one label set: the same object for the same labels, every call. */
  series(labels: LabelValues<T>): GaugeSeries {
    return this.pending.handle(labels);
  }

  override get(): ReturnType<Gauge<T>['get']> {
    this.flush();
    return super.get();
  }

  /** Deltas made before a set() belong before it (labels().set, startTimer and setToCurrentTime come here too). */
  override set(...args: unknown[]): void {
    this.flush();
    (super.set as (...a: unknown[]) => void)(...args);
  }

  override remove(...args: unknown[]): void {
    this.flush();
    (super.remove as (...a: unknown[]) => void)(...args);
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    this.pending?.clear();
    super.reset();
  }

  private flush(): void {
    this.pending?.flushInto((labels, delta) => this.inc(labels as LabelValues<T>, delta));
  }
}
