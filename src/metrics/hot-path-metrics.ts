import {
  Counter,
  Gauge,
  Histogram,
  register,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';

/*
 * prom-client metrics for the per-request path. prom-client validates and hashes the label
 * object on every inc()/observe() and keys buckets by number-to-string conversions; in the
 * running app that measured ~20 µs of a request's ~0.35 ms (docs/benchmarks.md, "Metrics
 * overhead"). These subclasses keep prom-client's registry, names, exposition and every
 * public method, and add `series(labels)`: a handle, resolved once per label set, whose
 * updates are plain arithmetic.
 *
 * Counters and gauges keep prom-client's storage: a handle accumulates a delta that is added
 * through the public inc() whenever the metric is read (get(), which every scrape and every
 * registry read calls), so a read is always exact. The histogram keeps its own storage — a
 * bucket array per label set — because prom-client has no way to add counts in bulk; get()
 * renders it in prom-client's format, exemplars included.
 */

/** A counter handle: `inc()` costs one addition; the total reaches prom-client on read. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** A gauge handle for values that go up and down on the hot path (in-flight requests). */
export interface GaugeSeries {
  inc(): void;
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

/** The handles of one counter or gauge, handed to prom-client's public inc() on read. */
class PendingDeltas {
  private readonly all = new Set<PendingDelta>();

  add(labels: LabelValues<string>): PendingDelta {
    const delta = new PendingDelta(labels);
    this.all.add(delta);
    return delta;
  }

  /** inc() with a negative delta is fine: prom-client's gauge adds whatever it is given. */
  flushInto(inc: (labels: LabelValues<string>, delta: number) => void): void {
    for (const d of this.all) {
      // A gauge that went up and back down still shows its series (at 0), as prom-client's would.
      if (!d.touched || (d.delta === 0 && d.flushed)) continue;
      const delta = d.delta;
      d.delta = 0;
      d.flushed = true;
      inc(d.labels, delta);
    }
  }

  clear(): void {
    for (const d of this.all) Object.assign(d, { delta: 0, touched: false, flushed: false });
  }
}

export class HotCounter<T extends string = string> extends Counter<T> {
  private readonly pending = new PendingDeltas();

  constructor(config: CounterConfiguration<T>) {
    super(config);
  }

  series(labels: LabelValues<T>): CounterSeries {
    return this.pending.add(labels);
  }

  override get(): ReturnType<Counter<T>['get']> {
    this.pending.flushInto((labels, delta) => this.inc(labels as LabelValues<T>, delta));
    return super.get();
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    this.pending?.clear();
    super.reset();
  }
}

export class HotGauge<T extends string = string> extends Gauge<T> {
  private readonly pending = new PendingDeltas();

  constructor(config: GaugeConfiguration<T>) {
    super(config);
  }

  series(labels: LabelValues<T>): GaugeSeries {
    return this.pending.add(labels);
  }

  override get(): ReturnType<Gauge<T>['get']> {
    this.pending.flushInto((labels, delta) => this.inc(labels as LabelValues<T>, delta));
    return super.get();
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    this.pending?.clear();
    super.reset();
  }
}

interface Exemplar {
  labelSet: Record<string, string | number>;
  value: number;
  timestamp: number;
}

/** One label set of a HotHistogram: non-cumulative counts, the last slot is +Inf only. */
export class HistogramSeries {
  readonly counts: Float64Array;
  readonly exemplars: Array<Exemplar | null>;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: LabelValues<string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    this.exemplars = new Array<Exemplar | null>(bounds.length + 1).fill(null);
  }

  observe(value: number): void {
    this.counts[this.slot(value)]++;
    this.sum += value;
    this.count++;
  }

  /** observe() and keep `labels` as the exemplar of the value's bucket (OpenMetrics). */
  observeWithExemplar(value: number, labels: Record<string, string | number>): void {
    const slot = this.slot(value);
    this.counts[slot]++;
    this.sum += value;
    this.count++;
    this.exemplars[slot] = { labelSet: labels, value, timestamp: Date.now() / 1000 };
  }

  private slot(value: number): number {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    return i;
  }
}

type HistogramValue<T extends string> = MetricValueWithName<T>;
type Labels = LabelValues<string>;

/** Same checks prom-client makes, done once per label set instead of once per observation. */
function checkLabels(names: readonly string[], labels: Labels): void {
  for (const key of Object.keys(labels)) {
    if (!names.includes(key))
      throw new Error(
        `Added label "${key}" is not included in initial labelset: ${JSON.stringify(names)}`,
      );
  }
}

function keyOf(names: readonly string[], labels: Labels): string {
  let key = '';
  for (const name of names) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

export class HotHistogram<T extends string = string> extends Histogram<T> {
  private readonly cells = new Map<string, HistogramSeries>();
  private readonly names: readonly string[];
  private readonly bounds: readonly number[];

  constructor(config: HistogramConfiguration<T>) {
    super(config);
    const self = this as unknown as { labelNames: string[]; upperBounds: number[] };
    this.names = [...self.labelNames].sort();
    this.bounds = [...self.upperBounds];
    // Like prom-client: a histogram without labels exports its (empty) series from the start.
    if (this.names.length === 0) this.series({});
  }

  /** The handle for one label set; keep it and call observe() on it. */
  series(labels: LabelValues<T>): HistogramSeries {
    const key = keyOf(this.names, labels);
    let cell = this.cells.get(key);
    if (!cell) {
      checkLabels(this.names, labels);
      cell = new HistogramSeries({ ...(labels as Labels) }, this.bounds);
      this.cells.set(key, cell);
    }
    return cell;
  }

  // prom-client's constructor points `observe` at one of these two: both land in the cells.
  observeWithoutExemplar(labels: LabelValues<T> | number, value?: number): void {
    if (typeof labels === 'number') this.observeValue({}, labels);
    else this.observeValue(labels ?? {}, value!);
  }

  observeWithExemplar(data: {
    labels?: LabelValues<T>;
    value: number;
    exemplarLabels?: LabelValues<T>;
  }): void {
    const { labels = {}, value, exemplarLabels } = data;
    checkValue(value);
    const cell = this.series(labels);
    if (exemplarLabels && Object.keys(exemplarLabels).length > 0)
      cell.observeWithExemplar(value, exemplarLabels as Record<string, string | number>);
    else cell.observe(value);
  }

  private observeValue(labels: LabelValues<T>, value: number): void {
    checkValue(value);
    this.series(labels).observe(value);
  }

  override labels(...args: unknown[]): Histogram.Internal<T> {
    const labels = (
      args.length === 1 && typeof args[0] === 'object'
        ? args[0]
        : Object.fromEntries(this.namesInOrder().map((name, i) => [name, args[i]]))
    ) as LabelValues<T>;
    const cell = this.series(labels);
    return {
      observe: (value: number) => {
        checkValue(value);
        cell.observe(value);
      },
      startTimer: (more?: LabelValues<T>) => this.startTimer({ ...labels, ...more }),
    };
  }

  override zero(labels: LabelValues<T>): void {
    const cell = this.series(labels);
    cell.counts.fill(0);
    cell.exemplars.fill(null);
    cell.sum = 0;
    cell.count = 0;
  }

  override remove(...args: unknown[]): void {
    const labels = (
      typeof args[0] === 'object'
        ? args[0]
        : Object.fromEntries(this.namesInOrder().map((n, i) => [n, args[i]]))
    ) as Labels;
    this.cells.delete(keyOf(this.names, labels));
  }

  override reset(): void {
    // Handles already given out keep counting from zero, like prom-client's children.
    // (prom-client's constructor calls reset() before this class's fields exist.)
    this.cells?.forEach((cell) => this.zero(cell.labels));
  }

  /** What getMetricsAsJSON() shows: each value's labels include the series' own. */
  override get(): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    return this.render(true);
  }

  /** What the text exposition reads: series labels apart, so `le` prints first (prom-client's order). */
  getForPromString(): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    return this.render(false);
  }

  private async render(splay: boolean): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    const self = this as unknown as {
      collect?: () => unknown;
      aggregator: string;
      help: string;
      name: string;
    };
    if (self.collect) await self.collect();
    const values: unknown[] = [];
    const value = (
      metricName: string,
      own: Labels,
      shared: Labels,
      v: number,
      exemplar?: Exemplar | null,
    ) =>
      values.push(
        splay
          ? { metricName, labels: { ...own, ...shared }, value: v, exemplar }
          : { metricName, labels: own, sharedLabels: shared, value: v, exemplar },
      );
    for (const cell of this.cells.values()) {
      let acc = 0;
      this.bounds.forEach((bound, i) => {
        acc += cell.counts[i];
        value(`${self.name}_bucket`, { le: bound }, cell.labels, acc, cell.exemplars[i]);
      });
      value(
        `${self.name}_bucket`,
        { le: '+Inf' },
        cell.labels,
        cell.count,
        cell.exemplars[this.bounds.length],
      );
      value(`${self.name}_sum`, {}, cell.labels, cell.sum);
      value(`${self.name}_count`, {}, cell.labels, cell.count);
    }
    return {
      name: self.name,
      help: self.help,
      type: 'histogram',
      values,
      aggregator: self.aggregator,
    } as unknown as MetricObjectWithValues<HistogramValue<T>>;
  }

  private namesInOrder(): string[] {
    return (this as unknown as { labelNames: string[] }).labelNames;
  }
}

function checkValue(value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
}

/*
 * Get-or-create on the default registry, as @willsoto/nestjs-prometheus's providers do (a
 * second app in one process, as in the tests, shares the families). Histograms are built
 * outside any registry and added after: prom-client refuses exemplars at construction on a
 * classic-format registry.
 */
function getOrCreate<M>(name: string, kind: new (...args: never[]) => M, create: () => M): M {
  const existing = register.getSingleMetric(name);
  if (existing === undefined) return create();
  if (!(existing instanceof kind))
    throw new Error(
      `metric ${name} is already registered as a plain prom-client ${existing.constructor.name}`,
    );
  return existing;
}

export function hotCounter<T extends string>(config: CounterConfiguration<T>): HotCounter<T> {
  return getOrCreate(config.name, HotCounter<T>, () => new HotCounter<T>(config));
}

export function hotGauge<T extends string>(config: GaugeConfiguration<T>): HotGauge<T> {
  return getOrCreate(config.name, HotGauge<T>, () => new HotGauge<T>(config));
}

export function hotHistogram<T extends string>(config: HistogramConfiguration<T>): HotHistogram<T> {
  return getOrCreate(config.name, HotHistogram<T>, () => {
    const histogram = new HotHistogram<T>({ ...config, registers: [] });
    register.registerMetric(histogram);
    return histogram;
  });
}
