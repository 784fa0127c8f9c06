import { Counter, Gauge, Histogram, Registry, register } from 'prom-client';
import { renderOpenMetrics } from './openmetrics';
import { HotCounter, HotGauge, HotHistogram, hotCounter, hotHistogram } from './hot-path-metrics';

/** The same observations into prom-client's own class and ours, each in its own registry. */
function pair<A, B>(makePlain: (r: Registry) => A, makeHot: (r: Registry) => B) {
  const plainRegistry = new Registry();
  const hotRegistry = new Registry();
  return { plain: makePlain(plainRegistry), hot: makeHot(hotRegistry), plainRegistry, hotRegistry };
}

const BUCKETS = [0.1, 0.5, 1, 2.5];
const VALUES = [0, 0.05, 0.1, 0.1000001, 0.3, 0.5, 0.99, 1, 2.5, 2.6, 7, 1e9];

describe('HotHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const config = { name: 'h_seconds', help: 'h', labelNames: ['client'], buckets: BUCKETS };
    const { plain, hot, plainRegistry, hotRegistry } = pair(
      (r) => new Histogram({ ...config, registers: [r] }),
      (r) => new HotHistogram({ ...config, registers: [r] }),
    );
    // Series come out in first-observed order in both: b first, then a through a handle.
    VALUES.forEach((v, i) => {
      plain.observe({ client: i % 2 ? 'a' : 'b' }, v);
      if (i % 2) hot.series({ client: 'a' }).observe(v);
      else hot.observe({ client: 'b' }, v);
    });
    plain.labels('c').observe(0.2);
    hot.labels('c').observe(0.2);
    expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    expect(await hotRegistry.getMetricsAsJSON()).toEqual(await plainRegistry.getMetricsAsJSON());
  });

  it('keeps one exemplar per bucket, the latest, as OpenMetrics shows it', async () => {
    const registry = new Registry();
    const hot = new HotHistogram({
      name: 'e_seconds',
      help: 'e',
      labelNames: ['client'],
      buckets: BUCKETS,
      enableExemplars: true,
      registers: [],
    });
    registry.registerMetric(hot);
    const handle = hot.series({ client: 'a' });
    handle.observeWithExemplar(0.2, { email_id: 'first' });
    handle.observeWithExemplar(0.3, { email_id: 'second' });
    hot.observe({
      labels: { client: 'a' },
      value: 9,
      exemplarLabels: { email_id: 'slow' } as never,
    });
    const text = await renderOpenMetrics(registry);
    expect(text).toMatch(
      /e_seconds_bucket\{le="0.5",client="a"\} 2 # \{email_id="second"\} 0.3 \d+(\.\d+)?\n/,
    );
    expect(text).toMatch(/e_seconds_bucket\{le="\+Inf",client="a"\} 3 # \{email_id="slow"\} 9 /);
    expect(text).not.toContain('first');
  });

  it('refuses what prom-client refuses: unknown labels and non-finite values', () => {
    const hot = new HotHistogram({
      name: 'r_seconds',
      help: 'r',
      labelNames: ['client'],
      registers: [],
    });
    expect(() => hot.series({ tenant: 'x' } as never)).toThrow(/not included in initial labelset/);
    expect(() => hot.observe({ client: 'a' }, Number.NaN)).toThrow(/not a valid number/);
  });

  it('reset() and zero() clear counts; handles given out keep working', async () => {
    const hot = new HotHistogram({
      name: 'z_seconds',
      help: 'z',
      labelNames: ['client'],
      buckets: BUCKETS,
      registers: [],
    });
    const handle = hot.series({ client: 'a' });
    handle.observe(0.2);
    hot.reset();
    handle.observe(3);
    const values = (await hot.get()).values;
    expect(values.find((v) => v.metricName === 'z_seconds_count')?.value).toBe(1);
    expect(values.find((v) => v.metricName === 'z_seconds_sum')?.value).toBe(3);
  });
});

describe('HotCounter and HotGauge', () => {
  it('count through handles and read exactly, as prom-client would have counted', async () => {
    const { plain, hot, plainRegistry, hotRegistry } = pair(
      (r) => new Counter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [r] }),
      (r) => new HotCounter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [r] }),
    );
    const x = hot.series({ k: 'x' });
    hot.series({ k: 'never' }); // a handle nobody used adds no series, like an unused label set
    for (let i = 0; i < 5; i++) {
      plain.inc({ k: 'x' });
      x.inc();
    }
    plain.inc({ k: 'y' }, 2);
    hot.inc({ k: 'y' }, 2);
    // Same lines; a handle's series is materialised at the read, so it may come later.
    const sorted = (text: string) => text.split('\n').sort();
    expect(sorted(await hotRegistry.metrics())).toEqual(sorted(await plainRegistry.metrics()));
    x.inc(3); // after a read: the next read includes it, once
    expect((await hot.get()).values.find((v) => v.labels.k === 'x')?.value).toBe(8);
    expect((await hot.get()).values.find((v) => v.labels.k === 'x')?.value).toBe(8);
  });

  it('a gauge that went up and back down shows its series at 0', async () => {
    const { plain, hot, plainRegistry, hotRegistry } = pair(
      (r) => new Gauge({ name: 'g', help: 'g', labelNames: ['route'], registers: [r] }),
      (r) => new HotGauge({ name: 'g', help: 'g', labelNames: ['route'], registers: [r] }),
    );
    const handle = hot.series({ route: '/send-email' });
    handle.inc();
    plain.inc({ route: '/send-email' });
    expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    handle.dec();
    plain.dec({ route: '/send-email' });
    expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    expect(await hotRegistry.metrics()).toContain('g{route="/send-email"} 0');
  });
});

describe('get-or-create', () => {
  afterEach(() => {
    // the default registry is shared by every spec in this worker
    register.clear();
  });

  it('returns the family a second app in the process already created', () => {
    const first = hotCounter({ name: 'shared_total', help: 's', labelNames: ['k'] });
    expect(hotCounter({ name: 'shared_total', help: 's', labelNames: ['k'] })).toBe(first);
    const h = hotHistogram({ name: 'shared_seconds', help: 's', labelNames: [] });
    expect(hotHistogram({ name: 'shared_seconds', help: 's', labelNames: [] })).toBe(h);
  });

  it('names the clash when a plain prom-client metric holds the name', () => {
    new Counter({ name: 'plain_total', help: 'p' });
    expect(() => hotCounter({ name: 'plain_total', help: 'p' })).toThrow(
      /plain_total is already registered as a plain prom-client Counter/,
    );
  });
});
