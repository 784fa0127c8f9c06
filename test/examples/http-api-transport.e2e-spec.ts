import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAIL_TRANSPORT } from '../../src/mail/mail.constants';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { HttpApiTransport } from './http-api-transport/http-api.transport';

/** A fake provider API: answers each POST /messages with the next scripted status. */
class FakeMailApi {
  readonly received: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> =
    [];
  readonly statuses: number[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeMailApi> {
    const server = createServer();
    const api = new FakeMailApi(server);
    server.on('request', (req, res) => {
      if (req.url === '/health') return void res.writeHead(200).end('ok');
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const status = api.statuses.shift() ?? 202;
        if (status < 300) api.received.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? { id: `api-${api.received.length}` } : {}));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe(HttpApiTransport.name, () => {
  let api: FakeMailApi;
  let app: TestApp;

  beforeAll(async () => {
    api = await FakeMailApi.start();
    // In the app this is the one registration line in TRANSPORT_FACTORIES.
    const transport = new HttpApiTransport({ baseUrl: api.url, apiKey: 'k', timeoutMs: 2000 });
    app = await createTestApp({
      env: { RETRY_BASE_MS: '20', RETRY_MAX_MS: '20', SEND_WAIT_MS: '5000', METRICS_CACHE_MS: '0' },
      overrides: [{ provide: MAIL_TRANSPORT, useValue: transport }],
    });
  });
  afterAll(async () => {
    await app.close();
    await api.stop();
  });

  it('delivers through the API, keyed by the email id', async () => {
    const res = await postJson(`${app.url}/send-email`, {
      to: 'ada@example.com',
      subject: 'Hi',
      text: 'Hello',
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', messageId: 'api-1' });
    expect(api.received[0].headers['idempotency-key']).toBe(res.body.id);
    expect(api.received[0].body).toMatchObject({ to: ['ada@example.com'], subject: 'Hi' });
  });

  it('retries a 503 from the provider and counts one success', async () => {
    api.statuses.push(503);

    const res = await postJson(`${app.url}/send-email`, {
      to: 'ada@example.com',
      subject: 'Retry',
      text: 'x',
    });

    expect(res.body).toMatchObject({ status: 'sent', attempts: 2 });
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(metrics).toMatch(/^email_retries_total\{reason="deferred"\} 1$/m);
  });

  it('fails a 400 for good as rejected: 422, a dead letter, and no retry', async () => {
    api.statuses.push(400);

    const res = await postJson(`${app.url}/send-email`, {
      to: 'ada@example.com',
      subject: 'Bad',
      text: 'x',
    });

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'rejected' } });
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(metrics).toMatch(/^email_failures_total\{client="unknown",reason="rejected"\} 1$/m);
  });

  it('reports the transport by its kind on /readyz', async () => {
    const res = await request(`${app.url}/readyz`);

    expect(res.body).toMatchObject({ details: { transport: { kind: 'http-api', status: 'up' } } });
  });
});
