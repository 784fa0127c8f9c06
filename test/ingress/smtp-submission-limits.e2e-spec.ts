import { register } from 'prom-client';
import { freePort } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'grafana-key-0123456789abcdef';

/** Refusals the client should retry get 4xx: queue full (relay down), message rate. */
describe('SMTP submission limits', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const start = async (env: Record<string, string>) => {
    app = await createTestApp({
      env: {
        // Nothing listens there: accepted mail waits in the queue.
        SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
        API_KEYS: `${KEY}=grafana`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        ...env,
      },
    });
    return {
      port: ingressPort(app),
      secure: false,
      ignoreTLS: true,
      auth: { user: 'grafana', pass: KEY },
    };
  };
  const message = (n: number) => ({
    from: 'a@example.com',
    to: 'b@example.org',
    subject: `m${n}`,
    text: 'x',
  });

  it('answers 451 when the queue is full, after 250 for what it could store', async () => {
    const client = await start({ QUEUE_CAPACITY: '1' });
    expect((await submit(client, message(1))).response).toMatch(/^250 /);
    const full = await refusal(client, message(2));
    expect(full.code).toBe(451);
    expect(full.response).toMatch(/4\.3\.0 delivery queue is full/);
    expect(await register.metrics()).toMatch(
      /smtp_ingress_messages_total\{client="grafana",result="unavailable"\} 1/,
    );
  });

  it('answers 451 4.7.1 past SMTP_INGRESS_RATE_LIMIT_PER_MINUTE', async () => {
    const client = await start({ SMTP_INGRESS_RATE_LIMIT_PER_MINUTE: '2' });
    await submit(client, message(1));
    await submit(client, message(2));
    const limited = await refusal(client, message(3));
    expect(limited.code).toBe(451);
    expect(limited.response).toMatch(/4\.7\.1 rate limit/);
    expect(await register.metrics()).toMatch(
      /smtp_ingress_messages_total\{client="grafana",result="refused_rate"\} 1/,
    );
  });

  it('dev mode (no API keys): AUTH is optional and its username names the client', async () => {
    const client = await start({ API_KEYS: '' });
    await submit({ ...client, auth: undefined }, message(1));
    await submit({ ...client, auth: { user: 'printer', pass: 'anything' } }, message(2));
    const bad = await refusal({ ...client, auth: { user: 'not a name!', pass: 'x' } }, message(3));
    expect(bad.code).toBe(535);
    const metrics = await register.metrics();
    expect(metrics).toMatch(/smtp_ingress_messages_total\{client="unknown",result="accepted"\} 1/);
    expect(metrics).toMatch(/smtp_ingress_messages_total\{client="printer",result="accepted"\} 1/);
  });
});
