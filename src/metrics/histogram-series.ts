import type { LabelValues } from 'prom-client';

export interface Exemplar {
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
    checkExemplarLabels(labels);
    const slot = this.slot(value);
    this.counts[slot]++;
    this.sum += value;
    this.count++;
    // prom-client's clock for exemplars: seconds, with the milliseconds as a fraction.
    this.exemplars[slot] = { labelSet: labels, value, timestamp: Date.now() / 1000 };
  }

  clear(): void {
    this.counts.fill(0);
    this.exemplars.fill(null);
    this.sum = 0;
    this.count = 0;
  }

  private slot(value: number): number {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    return i;
  }
}

/** prom-client's (and OpenMetrics') limit: names and values of an exemplar's labels ≤ 128 characters. */
function checkExemplarLabels(labels: Record<string, string | number>): void {
  let length = 0;
  for (const name in labels) length += name.length + String(labels[name]).length;
  if (length > 128) throw new RangeError('Label set size must be smaller than 128 UTF-8 chars');
}
