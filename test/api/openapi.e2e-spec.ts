import { createTestApp, request, type TestApp } from '../support/test-app';

/** The app exactly as main.ts builds it (logger + docs), on a loopback port. */
async function startProductionApp(env: Record<string, string>) {
  // Every route the app really serves, as Fastify registers them during init.
  const routes: string[] = [];
  const app: TestApp = await createTestApp({
    env: { LOG_LEVEL: 'log', ...env },
    configure: (nest) =>
      nest
        .getHttpAdapter()
        .getInstance()
        .addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
        }),
  });
  return { app, routes, url: app.url };
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

describe('OpenAPI', () => {
  let app: TestApp;
  let url: string;
  let routes: string[];

  beforeAll(async () => {
    ({ app, url, routes } = await startProductionApp({ LOG_FORMAT: 'pretty' }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('describes every route Nest registered', async () => {
    const doc = (await request<Document>(`${url}/docs-json`)).body;
    const registered = new Set<string>();

    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    for (const entry of documented) registered.add(entry);
    // The API's own routes: Fastify's automatic HEAD twins and the docs themselves aside.
    const served = routes.filter((r) => !r.startsWith('HEAD ') && !/ \/docs/.test(r));
    expect(served).toEqual(expect.arrayContaining(['POST /send-email', 'GET /emails/:id']));
    expect(served.length).toBeGreaterThanOrEqual(10);
    for (const route of served) expect(registered).toContain(route);
  });

  it('documents an example for every status POST /send-email can answer', async () => {
    const doc = (await request<Document>(`${url}/docs-json`)).body;
    const responses = doc.paths['/send-email'].post.responses;
    for (const status of [200, 202, 400, 401, 403, 413, 415, 422, 429, 502, 503]) {
      const content = (responses[status] as { content?: Record<string, { example?: unknown }> })
        ?.content;
      expect({ status, example: content?.['application/json']?.example }).toEqual({
        status,
        example: expect.anything(),
      });
    }
  });

  it('serves Swagger UI as HTML at /docs', async () => {
    const res = await request(`${url}/docs`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('swagger-ui');
  });
});

describe('OpenAPI in production', () => {
  it('is off when NODE_ENV=production and OPENAPI_ENABLED is unset', async () => {
    const { app, url } = await startProductionApp({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' });
    try {
      expect((await request(`${url}/docs-json`)).status).toBe(404);
      expect((await request(`${url}/docs`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
