import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { renderOpenMetrics } from './openmetrics';

describe(renderOpenMetrics.name, () => {
  it('renders counters, gauges and histograms with exemplars as OpenMetrics 1.0', async () => {
    const registry = new Registry();
    const sent = new Counter({
      name: 'email_sent_total',
      help: 'Emails\nsent',
      labelNames: ['client', 'status'],
      registers: [registry],
    });
    new Gauge({ name: 'email_queue_size', help: 'Backlog', registers: [registry] }).set(3);
    const duration = new Histogram<string>({
      name: 'email_send_duration_seconds',
      help: 'Duration',
      labelNames: ['client'],
      buckets: [0.5, 1],
      enableExemplars: true,
      registers: [],
    });
    registry.registerMetric(duration);
    sent.inc({ client: 'a"b\\c', status: 'success' }, 2);
    duration.observe({ labels: { client: 'web' }, value: 0.2, exemplarLabels: { email_id: 'e1' } });

    const text = await renderOpenMetrics(registry);
    const lines = text.split('\n');

    expect(lines).toEqual(
      expect.arrayContaining([
        '# HELP email_sent Emails\\nsent',
        '# TYPE email_sent counter',
        'email_sent_total{client="a\\"b\\\\c",status="success"} 2',
        '# TYPE email_queue_size gauge',
        'email_queue_size 3',
        '# TYPE email_send_duration_seconds histogram',
        'email_send_duration_seconds_count{client="web"} 1',
      ]),
    );
    expect(text).toMatch(
      /^email_send_duration_seconds_bucket\{le="0\.5",client="web"\} 1 # \{email_id="e1"\} 0\.2 \d+/m,
    );
    expect(text).toMatch(/^email_send_duration_seconds_bucket\{le="\+Inf",client="web"\} 1$/m);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });
});
