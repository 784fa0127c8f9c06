import { loadAlertRules, loadRecordingRules } from '../support/alert-rules';
import { dashboardMetricNames } from '../support/dashboard';
import { metricNamesIn } from '../support/promql';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

/** Series names a scrape exposes: sample names plus the families declared by TYPE lines. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>(['up']); // synthesised by Prometheus for every target
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      names.add(type[1]);
      if (type[2] === 'histogram')
        ['_bucket', '_sum', '_count'].forEach((s) => names.add(type[1] + s));
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}

describe('dashboard and alert rules against a real scrape of the app', () => {
  let smtp: TestSmtpServer;
  let sut: TestApp;
  let exposed: Set<string>;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    sut = await createTestApp({
      env: { SMTP_URL: smtp.url, RETRY_BASE_MS: '20', RETRY_MAX_MS: '20' },
    });
    // One of each outcome, so every labelled family has samples.
    await postJson(`${sut.url}/send-email`, { to: 'a@example.com', subject: 's', text: 't' });
    smtp.failNext(451, 'later');
    await postJson(`${sut.url}/send-email`, { to: 'a@example.com', subject: 's', text: 't' });
    smtp.failNext(550, 'no');
    await postJson(`${sut.url}/send-email`, { to: 'a@example.com', subject: 's', text: 't' });
    const res = await request(`${sut.url}/metrics`);
    exposed = exposedNames(res.text);
  });

  afterAll(async () => {
    await sut.close();
    await smtp.stop();
  });

  /** Made by the rules themselves (level:metric:operation), or by the SMTP engine of issue 12. */
  const notScraped = (name: string) => name.includes(':') || name === 'email_smtp_up';

  it('exposes every metric the dashboard queries', () => {
    const used = dashboardMetricNames().filter((name) => !notScraped(name));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('exposes every metric the alert rules use', () => {
    const rules = [...loadAlertRules(), ...loadRecordingRules()];
    const used = [...new Set(rules.flatMap((rule) => metricNamesIn(rule.expr)))].filter(
      (name) => !notScraped(name),
    );
    expect(used).toEqual(expect.arrayContaining(['email_queue_size', 'email_sent_total']));
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });
});
