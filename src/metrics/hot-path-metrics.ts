import {
  register,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { HotCounter, HotGauge } from './hot-counter';
import { HotHistogram } from './hot-histogram';

export { HotCounter, HotGauge, type CounterSeries, type GaugeSeries } from './hot-counter';
export { HotHistogram } from './hot-histogram';
export { HistogramSeries } from './histogram-series';

/*
 * prom-client metrics for the per-request path. prom-client validates and hashes the label
 * object on every inc()/observe() and keys buckets by number-to-string conversions; in the
 * running app that measured ~20 µs of a request's ~0.35 ms (docs/benchmarks.md). These
 * subclasses keep prom-client's registry, names, exposition and every public method, and add
 * `series(labels)`: a handle, resolved once per label set (the same object on every call),
 * whose updates are plain arithmetic.
 *
 * The prom-client internals relied on (prom-client is pinned to an exact version in
 * package.json; src/metrics/prom-client-pin.spec.ts fails on any other installed version
 * until the differential specs beside it pass on it):
 *  1. Metric's constructor calls reset() before a subclass's fields exist;
 *  2. Histogram's constructor assigns `observe` to `observeWithExemplar` or
 *     `observeWithoutExemplar` by name;
 *  3. `upperBounds` holds the buckets after defaults;
 *  4. the registry reads `getForPromString()` for text exposition when a metric has one;
 *  5. the shape of get()'s values (`metricName`, `labels`, `sharedLabels`, `exemplar`);
 *  6. the fields `name`, `help`, `aggregator`, `collect` on the instance;
 *  7. exemplar timestamps are `Date.now() / 1000`.
 */

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
