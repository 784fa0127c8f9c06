import { register } from 'prom-client';
import { createTestApp, postJson, request } from '../support/test-app';

const FINE = '0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10';

function bucketBounds(text: string): string[] {
  return [
    ...text.matchAll(/^email_send_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*client="ops"/gm),
  ].map((m) => m[1]);
}

describe('EMAIL_DURATION_BUCKETS', () => {
  afterEach(() => register.clear());

  it.each([
    ['the seed buckets by default', {}, ['0.1', '0.5', '1', '2.5', '5', '10', '+Inf']],
    ['finer buckets when set', { EMAIL_DURATION_BUCKETS: FINE }, [...FINE.split(','), '+Inf']],
  ])('exposes %s on /metrics and the status page history', async (_, env, expected) => {
    const app = await createTestApp({ env });
    try {
      const sent = await postJson(
        `${app.url}/send-email`,
        { to: 'a@example.com', subject: 's', text: 'x' },
        { 'x-client-id': 'ops' },
      );
      expect(sent.status).toBe(200);
      expect(bucketBounds((await request(`${app.url}/metrics`)).text)).toEqual(expected);
      const status = await request<{ duration: { buckets: Array<{ le: number }> } }>(
        `${app.url}/status/data`,
      );
      expect(status.body.duration.buckets.map((b) => String(b.le))).toEqual(expected.slice(0, -1));
    } finally {
      await app.close();
    }
  });
});
