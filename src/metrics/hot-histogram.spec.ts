import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { HotHistogram } from './hot-histogram';
import { renderOpenMetrics } from './openmetrics';

/*
 * Differential: the same calls on prom-client's own Histogram and on HotHistogram, each in its
 * own registry, must expose byte-identical text — classic, OpenMetrics (prom-client's own
 * renderer) and ours (renderOpenMetrics). This is what prom-client-pin.spec.ts leans on.
 */

const BUCKETS = [0.1, 0.5, 1, 2.5];
const VALUES = [0, 0.05, 0.1, 0.1000001, 0.3, 0.5, 0.99, 1, 2.5, 2.6, 7, 1e9];

/** A registry that renders OpenMetrics (prom-client's own renderer, exemplars included). */
function openMetricsRegistry(): Registry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry as unknown as Registry; // so that metrics' `registers` accept it
}

type Config = ConstructorParameters<typeof Histogram<string>>[0];

/** Both classes with one config; `openMetrics` registries carry exemplars, classic ones do not. */
function pair(config: Config, openMetrics = false) {
  const make = () => (openMetrics ? openMetricsRegistry() : new Registry());
  const plainRegistry = make();
  const hotRegistry = make();
  const plain = new Histogram({ ...config, registers: [plainRegistry] });
  const hot = new HotHistogram({ ...config, registers: [hotRegistry] });
  const same = async () => {
    expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    // As data (prom-client's exemplars are instances of a class it does not export).
    const json = async (r: Registry) =>
      JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
    expect(await json(hotRegistry)).toEqual(await json(plainRegistry));
  };
  return { plain, hot, plainRegistry, hotRegistry, same };
}

describe(HotHistogram.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const { plain, hot, same } = pair({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['client'],
      buckets: BUCKETS,
    });
    // Series come out in first-observed order in both: b first, then a through a handle.
    VALUES.forEach((v, i) => {
      plain.observe({ client: i % 2 ? 'a' : 'b' }, v);
      if (i % 2) hot.series({ client: 'a' }).observe(v);
      else hot.observe({ client: 'b' }, v);
    });
    plain.labels('c').observe(0.2);
    hot.labels('c').observe(0.2);
    await same();
  });

  it('uses prom-client’s default buckets and exports an unlabelled histogram from the start', async () => {
    const { plain, hot, same } = pair({ name: 'd_seconds', help: 'd' });
    await same();
    plain.observe(0.007);
    hot.observe(0.007);
    await same();
  });

  it('takes multi-label positional labels() in declaration order, and refuses a wrong count', async () => {
    const { plain, hot, same } = pair({
      name: 'm_seconds',
      help: 'm',
      labelNames: ['method', 'handler', 'zone'],
      buckets: BUCKETS,
    });
    plain.labels('GET', '/x', 'b').observe(0.3);
    hot.labels('GET', '/x', 'b').observe(0.3);
    plain.labels({ zone: 'a', handler: '/y', method: 'POST' }).observe(2);
    hot.labels({ zone: 'a', handler: '/y', method: 'POST' }).observe(2);
    // The same series whatever the order the labels were named in.
    hot.observe({ handler: '/x', zone: 'b', method: 'GET' }, 0.4);
    plain.observe({ handler: '/x', zone: 'b', method: 'GET' }, 0.4);
    await same();
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message(() => hot.labels('GET', '/x'))).toBe(message(() => plain.labels('GET', '/x')));
    expect(message(() => hot.remove('GET'))).toBe(message(() => plain.remove('GET')));
  });

  it('startTimer() observes the elapsed seconds with start and end labels merged', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const { plain, hot, same } = pair({
      name: 't_seconds',
      help: 't',
      labelNames: ['route', 'code'],
      buckets: BUCKETS,
    });
    const endPlain = plain.startTimer({ route: '/a' });
    const endHot = hot.startTimer({ route: '/a' });
    const childPlain = plain.labels('/b', '200').startTimer();
    const childHot = hot.labels('/b', '200').startTimer();
    jest.advanceTimersByTime(750);
    expect(endHot({ code: '500' })).toBe(endPlain({ code: '500' }));
    childPlain();
    childHot();
    await same();
    expect(await hot.get()).toMatchObject({
      values: expect.arrayContaining([
        expect.objectContaining({
          metricName: 't_seconds_sum',
          labels: { route: '/a', code: '500' },
          value: 0.75,
        }),
      ]) as unknown,
    });
  });

  it('remove() drops one series (object or positional labels); handles keep working', async () => {
    const { plain, hot, same } = pair({
      name: 'r_seconds',
      help: 'r',
      labelNames: ['a', 'b'],
      buckets: BUCKETS,
    });
    for (const [a, b] of [
      ['1', 'x'],
      ['2', 'y'],
      ['3', 'z'],
    ]) {
      plain.observe({ a, b }, 0.3);
      hot.observe({ a, b }, 0.3);
    }
    plain.remove({ b: 'x', a: '1' });
    hot.remove({ b: 'x', a: '1' });
    plain.remove('2', 'y');
    hot.remove('2', 'y');
    await same();
    plain.observe({ a: '1', b: 'x' }, 2);
    hot.series({ a: '1', b: 'x' }).observe(2);
    await same();
  });

  it('reset() empties the histogram like prom-client; a later observation starts from zero', async () => {
    const { plain, hot, same } = pair({
      name: 'z_seconds',
      help: 'z',
      labelNames: ['client'],
      buckets: BUCKETS,
    });
    const handle = hot.series({ client: 'a' });
    handle.observe(0.2);
    plain.observe({ client: 'a' }, 0.2);
    hot.reset();
    plain.reset();
    handle.observe(3);
    plain.observe({ client: 'a' }, 3);
    await same();
    expect(hot.series({ client: 'a' })).toBe(handle);
  });

  it('keeps one exemplar per bucket, the latest, byte for byte as prom-client’s OpenMetrics', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_123 }); // exemplar timestamps and startTimer()
    const config = {
      name: 'e_seconds',
      help: 'e',
      labelNames: ['client'],
      buckets: BUCKETS,
      enableExemplars: true,
    };
    const { plain, hot, same } = pair(config, true);
    const handle = hot.series({ client: 'a' });
    handle.observeWithExemplar(0.2, { email_id: 'first' });
    plain.observe({
      labels: { client: 'a' },
      value: 0.2,
      exemplarLabels: { email_id: 'first' },
    });
    handle.observeWithExemplar(0.3, { email_id: 'second' });
    plain.observe({
      labels: { client: 'a' },
      value: 0.3,
      exemplarLabels: { email_id: 'second' },
    });
    for (const h of [plain, hot]) {
      h.observe({
        labels: { client: 'a' },
        value: 9,
        exemplarLabels: { email_id: 'slow' },
      });
      h.observe({ labels: { client: 'a' }, value: 0.05 }); // no exemplar labels: no exemplar
      h.startTimer({ client: 'b' }, { email_id: 'timed' } as never)();
    }
    await same();

    // Our own renderer (the classic registry stays classic) gives the same lines.
    const ours = new Registry();
    const reference = new Registry();
    ours.registerMetric(hot);
    reference.registerMetric(plain);
    const text = await renderOpenMetrics(ours);
    expect(text).toBe(await renderOpenMetrics(reference));
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        'e_seconds_bucket{le="0.5",client="a"} 3 # {email_id="second"} 0.3 1700000000.123',
        'e_seconds_bucket{le="+Inf",client="a"} 4 # {email_id="slow"} 9 1700000000.123',
      ]),
    );
    expect(text).not.toContain('first');
  });

  it('refuses what prom-client refuses: unknown labels, non-finite values, long exemplars', () => {
    const hot = new HotHistogram({
      name: 'v_seconds',
      help: 'v',
      labelNames: ['client'],
      registers: [],
    });
    const long = { email_id: 'x'.repeat(121) };
    expect(() => hot.series({ client: 'a' }).observeWithExemplar(1, long)).toThrow(
      new RangeError('Label set size must be smaller than 128 UTF-8 chars'),
    );
    expect(() => hot.series({ tenant: 'x' } as never)).toThrow(/not included in initial labelset/);
    expect(() => hot.observe({ client: 'a' }, Number.NaN)).toThrow(/not a valid number/);
    expect(() => hot.labels('a').observe(Infinity)).toThrow(/not a valid number/);
  });
});
