import { EMAIL_DURATION_BUCKETS } from '../mail/metrics/email-metrics.constants';
import type { StatusPoint, StatusSnapshot } from './status-data';

/** 360 samples: the last hour at the default 10 s interval. */
export const HISTORY_CAPACITY = 360;

const SCALARS = ['time', 'success', 'failure', 'queueSize', 'retries', 'count', 'sum'] as const;

/**
 * A fixed-size ring of cumulative samples, one Float64Array allocated up front: memory is
 * capacity × (7 + buckets) × 8 bytes (360 × 13 × 8 = 37,440 bytes) whatever the traffic, the
 * number of clients or the uptime. Per-client series stay in /metrics and Grafana.
 */
export class StatusHistory {
  private readonly width: number;
  private readonly values: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity = HISTORY_CAPACITY,
    private readonly buckets: readonly number[] = EMAIL_DURATION_BUCKETS,
  ) {
    this.width = SCALARS.length + buckets.length;
    this.values = new Float64Array(capacity * this.width);
  }

  get byteLength(): number {
    return this.values.byteLength;
  }

  record(snapshot: StatusSnapshot): void {
    const row = this.next * this.width;
    const byStatus = (status: string) =>
      snapshot.sent.filter((s) => s.status === status).reduce((sum, s) => sum + s.value, 0);
    const scalars = [
      snapshot.time,
      byStatus('success'),
      byStatus('failure'),
      snapshot.queueSize,
      snapshot.retries,
      snapshot.duration.count,
      snapshot.duration.sum,
    ];
    scalars.forEach((value, i) => (this.values[row + i] = value));
    this.buckets.forEach((le, i) => {
      const bucket = snapshot.duration.buckets.find((b) => b.le === le);
      this.values[row + SCALARS.length + i] = bucket?.count ?? 0;
    });
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Samples taken after `time` (ms since the epoch), oldest first. */
  since(time: number): StatusPoint[] {
    const points: StatusPoint[] = [];
    for (let i = 0; i < this.size; i++) {
      const row = ((this.next - this.size + i + this.capacity) % this.capacity) * this.width;
      if (this.values[row] <= time) continue;
      const [t, success, failure, queueSize, retries, count, sum] = this.values.subarray(row);
      points.push({
        time: t,
        success,
        failure,
        queueSize,
        retries,
        duration: {
          buckets: this.buckets.map((le, b) => ({
            le,
            count: this.values[row + SCALARS.length + b],
          })),
          count,
          sum,
        },
      });
    }
    return points;
  }
}
