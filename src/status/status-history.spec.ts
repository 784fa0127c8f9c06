import { EMAIL_DURATION_BUCKETS } from '../mail/metrics/email-metrics.constants';
import type { StatusSnapshot } from './status-data';
import { HISTORY_CAPACITY, StatusHistory } from './status-history';

const snapshot = (time: number, sent: number): StatusSnapshot => ({
  time,
  sent: [
    { client: 'a', status: 'success', value: sent },
    { client: 'b', status: 'success', value: 1 },
    { client: 'a', status: 'failure', value: 2 },
  ],
  queueSize: 3,
  retries: 4,
  duration: {
    buckets: EMAIL_DURATION_BUCKETS.map((le, i) => ({ le, count: i + sent })),
    count: 10,
    sum: 1.5,
  },
});

describe(StatusHistory.name, () => {
  it('holds the last hour at 10 s in a fixed 37,440-byte buffer', () => {
    const history = new StatusHistory();

    expect(HISTORY_CAPACITY).toBe(360);
    expect(history.byteLength).toBe(360 * (7 + EMAIL_DURATION_BUCKETS.length) * 8);
    expect(history.byteLength).toBe(37_440);
  });

  it('returns samples oldest first, summed over clients, buckets by bound', () => {
    const history = new StatusHistory(4);
    history.record(snapshot(1000, 5));
    history.record(snapshot(2000, 6));

    expect(history.since(0)).toEqual([
      {
        time: 1000,
        success: 6,
        failure: 2,
        queueSize: 3,
        retries: 4,
        duration: {
          buckets: EMAIL_DURATION_BUCKETS.map((le, i) => ({ le, count: i + 5 })),
          count: 10,
          sum: 1.5,
        },
      },
      expect.objectContaining({ time: 2000, success: 7 }),
    ]);
    expect(history.since(1000).map((p) => p.time)).toEqual([2000]);
    expect(history.since(2000)).toEqual([]);
  });

  it('overwrites the oldest sample once full, without growing', () => {
    const history = new StatusHistory(3);
    const bytes = history.byteLength;
    for (let t = 1; t <= 10; t++) history.record(snapshot(t * 1000, t));

    expect(history.since(0).map((p) => p.time)).toEqual([8000, 9000, 10000]);
    expect(history.byteLength).toBe(bytes);
  });
});
