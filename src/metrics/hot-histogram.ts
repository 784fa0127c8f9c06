import {
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';
import { HistogramSeries, type Exemplar } from './histogram-series';
import { checkLabels, checkValue, keyOf, labelsFrom } from './series-key';

type HistogramValue<T extends string> = MetricValueWithName<T>;
type Labels = LabelValues<string>;

/**
 * A prom-client Histogram whose storage is a bucket array per label set, because prom-client
 * has no way to add counts in bulk; get() renders it in prom-client's format, exemplars
 * included. The prom-client internals this relies on are listed in hot-path-metrics.ts and
 * pinned by src/metrics/prom-client-pin.spec.ts.
 */
export class HotHistogram<T extends string = string> extends Histogram<T> {
  private readonly cells = new Map<string, HistogramSeries>();
  private readonly declared: readonly string[];
  private readonly names: readonly string[];
  private readonly bounds: readonly number[];
  private readonly exemplars: boolean;

  constructor(config: HistogramConfiguration<T>) {
    super(config);
    // Internal: the bounds after prom-client applied its defaults.
    const self = this as unknown as { upperBounds: number[] };
    this.declared = [...(config.labelNames ?? [])];
    this.names = [...this.declared].sort();
    this.bounds = [...self.upperBounds];
    this.exemplars = config.enableExemplars === true;
    // Like prom-client: a histogram without labels exports its (empty) series from the start.
    if (this.names.length === 0) this.series({});
  }

  /** The handle for one label set: the same object for the same labels; call observe() on it. */
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

  // Internal: prom-client's constructor points `observe` at one of these two.
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
    const labels = labelsFrom(this.declared, args) as LabelValues<T>;
    checkLabels(this.names, labels);
    return {
      // Like prom-client's child: the series appears at its first observation, not here.
      observe: (value: number) => this.observeValue(labels, value),
      startTimer: (more?: LabelValues<T>) => this.startTimer({ ...labels, ...more }),
    };
  }

  override zero(labels: LabelValues<T>): void {
    this.series(labels).clear();
  }

  override remove(...args: unknown[]): void {
    const labels = labelsFrom(this.declared, args);
    checkLabels(this.names, labels);
    this.cells.delete(keyOf(this.names, labels));
  }

  override reset(): void {
    // Handles already given out keep counting from zero, like prom-client's children.
    // (prom-client's constructor calls reset() before this class's fields exist.)
    this.cells?.forEach((cell) => cell.clear());
  }

  /** What getMetricsAsJSON() shows: each value's labels include the series' own. */
  override get(): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    return this.render(true);
  }

  /** Internal: what the registry's text exposition reads; series labels apart, so `le` prints first. */
  getForPromString(): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    return this.render(false);
  }

  private async render(splay: boolean): Promise<MetricObjectWithValues<HistogramValue<T>>> {
    // Internal field names; `collect` is public configuration stored on the instance.
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
      // With exemplars on, prom-client has no +Inf slot until one is observed: undefined, not null.
      const inf = cell.exemplars[this.bounds.length] ?? (this.exemplars ? undefined : null);
      value(`${self.name}_bucket`, { le: '+Inf' }, cell.labels, cell.count, inf);
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
}
