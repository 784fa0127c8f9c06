import { Counter, register } from 'prom-client';
import { hotCounter, hotGauge, hotHistogram } from './hot-path-metrics';

/* The differential specs are beside the classes: hot-counter.spec.ts, hot-histogram.spec.ts. */
describe('get-or-create', () => {
  afterEach(() => {
    // the default registry is shared by every spec in this worker
    register.clear();
  });

  it('returns the family a second app in the process already created', () => {
    const first = hotCounter({ name: 'shared_total', help: 's', labelNames: ['k'] });
    expect(hotCounter({ name: 'shared_total', help: 's', labelNames: ['k'] })).toBe(first);
    const g = hotGauge({ name: 'shared_gauge', help: 's', labelNames: [] });
    expect(hotGauge({ name: 'shared_gauge', help: 's', labelNames: [] })).toBe(g);
    const h = hotHistogram({ name: 'shared_seconds', help: 's', labelNames: [] });
    expect(hotHistogram({ name: 'shared_seconds', help: 's', labelNames: [] })).toBe(h);
  });

  it('registers a histogram with exemplars on the classic default registry', async () => {
    const h = hotHistogram({
      name: 'ex_seconds',
      help: 'e',
      labelNames: ['c'],
      enableExemplars: true,
    });
    h.series({ c: 'a' }).observeWithExemplar(0.2, { email_id: 'x' });
    expect(await register.metrics()).toContain('ex_seconds_count{c="a"} 1');
  });

  it('names the clash when a plain prom-client metric holds the name', () => {
    new Counter({ name: 'plain_total', help: 'p' });
    expect(() => hotCounter({ name: 'plain_total', help: 'p' })).toThrow(
      /plain_total is already registered as a plain prom-client Counter/,
    );
  });
});
