import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { HotCounter, HotGauge } from './hot-counter';

/** A registry that renders OpenMetrics (prom-client's own renderer, exemplars included). */
function openMetricsRegistry(): Registry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // Typed as the classic registry so that metrics' `registers` accept it.
  return registry as unknown as Registry;
}

/** The same calls on prom-client's class and ours, each in its own registry (text, OpenMetrics). */
function pair<P, H>(make: { plain: (r: Registry[]) => P; hot: (r: Registry[]) => H }) {
  const classic = [new Registry(), new Registry()];
  const open = [openMetricsRegistry(), openMetricsRegistry()];
  const plain = make.plain([classic[0], open[0]]);
  const hot = make.hot([classic[1], open[1]]);
  // A handle's series is materialised at the read, so it may come later: compare line sets.
  const lines = async (r: Registry) => (await r.metrics()).split('\n').sort();
  const same = async () => {
    expect(await lines(classic[1])).toEqual(await lines(classic[0]));
    expect(await lines(open[1])).toEqual(await lines(open[0]));
  };
  return { plain, hot, same };
}

const counters = (labelNames: string[]) => ({
  plain: (registers: Registry[]) =>
    new Counter({ name: 'c_total', help: 'c', labelNames, registers }),
  hot: (registers: Registry[]) =>
    new HotCounter({ name: 'c_total', help: 'c', labelNames, registers }),
});

const gauges = (labelNames: string[]) => ({
  plain: (registers: Registry[]) => new Gauge({ name: 'g', help: 'g', labelNames, registers }),
  hot: (registers: Registry[]) => new HotGauge({ name: 'g', help: 'g', labelNames, registers }),
});

describe(HotCounter.name, () => {
  it('counts through handles and reads exactly, as prom-client would have counted', async () => {
    const { plain, hot, same } = pair(counters(['k']));
    const x = hot.series({ k: 'x' });
    hot.series({ k: 'never' }); // a handle nobody used adds no series, like an unused label set
    for (let i = 0; i < 5; i++) {
      plain.inc({ k: 'x' });
      x.inc();
    }
    plain.inc({ k: 'y' }, 2);
    hot.inc({ k: 'y' }, 2);
    await same();
    x.inc(3); // after a read: the next read includes it, once
    expect((await hot.get()).values.find((v) => v.labels.k === 'x')?.value).toBe(8);
    expect((await hot.get()).values.find((v) => v.labels.k === 'x')?.value).toBe(8);
  });

  it('series() returns the same handle for the same labels, in any order', () => {
    const hot = new HotCounter({
      name: 's_total',
      help: 's',
      labelNames: ['a', 'b'],
      registers: [],
    });
    const handle = hot.series({ a: '1', b: '2' });
    expect(hot.series({ b: '2', a: '1' })).toBe(handle);
    expect(hot.series({ a: '1', b: '3' })).not.toBe(handle);
    expect(() => hot.series({ c: '1' } as never)).toThrow(/not included in initial labelset/);
  });

  it('remove() drops the series with what its handle had counted; later counts start afresh', async () => {
    const { plain, hot, same } = pair(counters(['a', 'b']));
    const handle = hot.series({ a: '1', b: 'x' });
    handle.inc(4);
    plain.inc({ a: '1', b: 'x' }, 4);
    hot.inc({ a: '2', b: 'y' });
    plain.inc({ a: '2', b: 'y' });
    hot.remove('1', 'x');
    plain.remove('1', 'x');
    await same();
    handle.inc();
    plain.labels('1', 'x').inc();
    await same();
  });

  it('reset() forgets every series; handles given out keep counting from zero', async () => {
    const { plain, hot, same } = pair(counters(['k']));
    const handle = hot.series({ k: 'x' });
    handle.inc(2);
    plain.inc({ k: 'x' }, 2);
    hot.reset();
    plain.reset();
    await same();
    handle.inc();
    plain.inc({ k: 'x' });
    await same();
  });
});

describe(HotGauge.name, () => {
  it('a gauge that went up and back down shows its series at 0', async () => {
    const { plain, hot, same } = pair(gauges(['route']));
    const handle = hot.series({ route: '/send-email' });
    handle.inc();
    plain.inc({ route: '/send-email' });
    await same();
    handle.dec();
    plain.dec({ route: '/send-email' });
    await same();
    expect((await hot.get()).values).toEqual([{ labels: { route: '/send-email' }, value: 0 }]);
  });

  it('set() (directly, through labels() and startTimer()) lands after the deltas made before it', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      const { plain, hot, same } = pair(gauges(['route']));
      hot.series({ route: '/a' }).inc(5);
      plain.inc({ route: '/a' }, 5);
      hot.set({ route: '/a' }, 1);
      plain.set({ route: '/a' }, 1);
      hot.series({ route: '/b' }).inc(3);
      plain.inc({ route: '/b' }, 3);
      hot.labels('/b').set(7);
      plain.labels('/b').set(7);
      hot.series({ route: '/c' }).inc();
      plain.inc({ route: '/c' });
      const [endHot, endPlain] = [
        hot.startTimer({ route: '/c' }),
        plain.startTimer({ route: '/c' }),
      ];
      jest.advanceTimersByTime(1500);
      endHot();
      endPlain();
      hot.series({ route: '/d' }).inc();
      plain.inc({ route: '/d' });
      hot.labels('/d').setToCurrentTime();
      plain.labels('/d').setToCurrentTime();
      await same();
    } finally {
      jest.useRealTimers();
    }
  });

  it('remove() and reset() behave as prom-client’s', async () => {
    const { plain, hot, same } = pair(gauges(['route']));
    hot.series({ route: '/a' }).inc();
    plain.inc({ route: '/a' });
    hot.series({ route: '/b' }).inc();
    plain.inc({ route: '/b' });
    hot.remove({ route: '/a' });
    plain.remove({ route: '/a' });
    await same();
    hot.reset();
    plain.reset();
    await same();
  });
});
