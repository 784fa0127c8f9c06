import { Counter, register } from 'prom-client';
import { parseMetricsConfig } from '../config/metrics.config';
import { MetricsEndpoint } from './metrics-endpoint';
import { OPENMETRICS_CONTENT_TYPE } from './openmetrics';

const build = (env: Record<string, string> = {}) =>
  new MetricsEndpoint(parseMetricsConfig({ METRICS_CACHE_MS: '0', ...env }));

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe(MetricsEndpoint.name, () => {
  let counter: Counter;

  beforeEach(() => {
    counter = new Counter({ name: 'spec_things_total', help: 'Things.' });
  });
  afterEach(() => register.clear());

  it('serves the registry in the Prometheus text format by default', async () => {
    counter.inc();

    const res = await build().handle({}, true);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(register.contentType);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('spec_things_total 1');
  });

  it('serves OpenMetrics when the scraper asks for it', async () => {
    const res = await build().handle(
      { accept: 'application/openmetrics-text; version=1.0.0' },
      true,
    );

    expect(res.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(res.body.endsWith('# EOF\n')).toBe(true);
  });

  it('answers 404 when metrics are off, or on the API port when METRICS_PORT is set', async () => {
    expect((await build({ ENABLE_METRICS: 'false' }).handle({}, true)).status).toBe(404);
    const ownPort = build({ METRICS_PORT: '9464' });
    expect((await ownPort.handle({}, true)).status).toBe(404);
    expect((await ownPort.handle({}, false)).status).toBe(200);
  });

  it('asks for basic auth when METRICS_AUTH is set and accepts only the right pair', async () => {
    const sut = build({ METRICS_AUTH: 'prom:s3cret' });

    const missing = await sut.handle({}, true);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Basic realm="metrics"');
    expect(missing.body).not.toContain('s3cret');
    expect((await sut.handle({ authorization: basic('prom', 'wrong') }, true)).status).toBe(401);
    expect((await sut.handle({ authorization: basic('prom', 's3cret') }, true)).status).toBe(200);
  });

  it('reuses a render for METRICS_CACHE_MS, then renders afresh', async () => {
    jest.useFakeTimers();
    try {
      const sut = build({ METRICS_CACHE_MS: '1000' });
      const first = (await sut.handle({}, true)).body;
      counter.inc();

      expect((await sut.handle({}, true)).body).toBe(first);
      jest.advanceTimersByTime(1001);
      expect((await sut.handle({}, true)).body).toContain('spec_things_total 1');
    } finally {
      jest.useRealTimers();
    }
  });
});
