import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OpenAPIV3 } from 'openapi-types';
import { FAILURE_REASONS } from '../../src/mail/delivery/delivery-error';
import { buildOpenApiDocument } from '../../src/openapi/openapi-document';
import { callEveryRoute } from '../client/call-every-route';
import { contractViolations } from '../support/openapi-contract';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');
const CONTRACT = join(ROOT, 'openapi.json');
const CLIENT_TYPES = join(ROOT, 'test', 'client', 'mailwatch-api.d.ts');
const BIN = join(ROOT, 'node_modules', '.bin');
/** UPDATE_OPENAPI=1 rewrites openapi.json and the generated client types from the code. */
const UPDATE = process.env.UPDATE_OPENAPI === '1';
const run = promisify(execFile);

const KEY = 'contract-alpha-key-0001';

/**
 * The API contract as a published artifact: openapi.json is generated from the code and must
 * not drift; it passes Redocly's recommended rules; openapi-typescript turns it into types a
 * client compiles against; and the live answers of every route match its schemas.
 */
describe('openapi.json (the published API contract)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let generated: OpenAPIV3.Document;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        API_KEYS: `${KEY}=alpha`,
        RATE_LIMIT: '1000',
        SEND_WAIT_MS: '5000',
        RETRY_BASE_MS: '1',
        RETRY_MAX_MS: '1',
        MAX_ATTEMPTS: '1',
      },
    });
    generated = JSON.parse(JSON.stringify(buildOpenApiDocument(t.app))) as OpenAPIV3.Document;
    if (UPDATE) writeFileSync(CONTRACT, `${JSON.stringify(generated, null, 2)}\n`);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('is what the code generates (UPDATE_OPENAPI=1 npx jest test/api/openapi-contract to refresh)', () => {
    const committed = JSON.parse(readFileSync(CONTRACT, 'utf8')) as unknown;
    expect(committed).toEqual(generated);
  });

  it('takes the failure reasons from the mail feature (no copy in src/openapi)', () => {
    const schema = generated.components?.schemas?.DeliveryError as OpenAPIV3.SchemaObject;
    const code = schema.properties?.code as OpenAPIV3.SchemaObject;

    expect(code.enum).toEqual([...FAILURE_REASONS]);
    expect(code.enum).toContain('expired');
  });

  it('applies bearer security (probes and scrapes excepted), sets servers, repeats no header', () => {
    expect(generated.servers?.length).toBeGreaterThan(0);
    expect(generated.security).toEqual([{ apiKey: [] }]);
    expect(generated.components?.securitySchemes?.apiKey).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.any(String),
    });
    for (const [path, item] of Object.entries(generated.paths)) {
      for (const [method, op] of Object.entries(item ?? {}) as Array<
        [string, OpenAPIV3.OperationObject]
      >) {
        const unguarded = ['/healthz', '/readyz', '/metrics'].includes(path);
        expect({ path, method, security: op.security }).toEqual({
          path,
          method,
          security: unguarded ? [] : undefined,
        });
        const names = (op.parameters ?? []).map((p) => {
          const { in: where, name } = p as OpenAPIV3.ParameterObject;
          return `${where}:${name.toLowerCase()}`;
        });
        expect({ path, method, names }).toEqual({ path, method, names: [...new Set(names)] });
      }
    }
    const sendHeaders = Object.keys(
      (generated.paths['/send-email']!.post!.responses['429'] as OpenAPIV3.ResponseObject)
        .headers ?? {},
    );
    expect(sendHeaders).toEqual(
      expect.arrayContaining([
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ]),
    );
  });

  it('passes `redocly lint` with the recommended rules: 0 errors', async () => {
    const result = await run(
      join(BIN, 'redocly'),
      ['lint', CONTRACT, '--extends=recommended', '--format=json'],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(result.stdout) as {
      totals: { errors: number };
      problems: Array<{ ruleId: string; severity: string; message: string }>;
    };
    const errors = report.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('generates client types with openapi-typescript that match the committed ones and compile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-client-'));
    try {
      const out = join(dir, 'mailwatch-api.d.ts');
      await run(join(BIN, 'openapi-typescript'), [CONTRACT, '-o', out], { cwd: ROOT });
      const fresh = readFileSync(out, 'utf8');
      if (UPDATE) writeFileSync(CLIENT_TYPES, fresh);
      expect(readFileSync(CLIENT_TYPES, 'utf8')).toBe(fresh);
      // The client that calls every route, type-checked against the generated types.
      await run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          // TypeScript 6 refuses files on the command line beside a tsconfig.json unless told
          // to ignore it; this check compiles the client alone, with only these options.
          '--ignoreConfig',
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--types',
          'node',
          join(ROOT, 'test', 'client', 'call-every-route.ts'),
        ],
        { cwd: ROOT },
      ).catch((err: Error & { stdout?: string }) => {
        throw new Error(`the generated client does not compile:\n${err.stdout ?? err.message}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes every live answer of every route (validated with openapi-response-validator)', async () => {
    const answers = await callEveryRoute(t.url, KEY, () => smtp.failNext(550, 'No such user here'));
    const calls = answers.map((a) => `${a.method} ${a.route} ${a.status}`);
    expect(calls).toEqual(
      expect.arrayContaining([
        'POST /send-email 200',
        'POST /send-email 422',
        'POST /send-email 400',
        'POST /send-email 401',
        'POST /send-email/batch 207',
        'GET /emails 200',
        'GET /emails/{id} 200',
        'GET /emails/{id} 404',
        'POST /emails/{id}/retry 202',
        'POST /emails/{id}/retry 409',
        'POST /emails/redrive 403',
        'GET /healthz 200',
        'GET /readyz 200',
        'GET /metrics 200',
        'GET /status 200',
        'GET /status/data 200',
      ]),
    );
    // Every documented operation was called.
    const documented = Object.entries(generated.paths).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(new Set(answers.map((a) => `${a.method} ${a.route}`))).toEqual(new Set(documented));
    const contract = JSON.parse(readFileSync(CONTRACT, 'utf8')) as OpenAPIV3.Document;
    const problems = answers.flatMap((a) => contractViolations(contract, a.method, a.url, a));
    expect(problems).toEqual([]);
  });

  it('reports answers that break the contract (the check is real)', () => {
    const contract = JSON.parse(readFileSync(CONTRACT, 'utf8')) as OpenAPIV3.Document;
    const headers = new Headers();
    const url = `${t.url}/emails/00000000-0000-4000-8000-000000000000`;
    const notFound = { statusCode: 404, error: 'Not Found', code: 'not_found', message: 'x' };
    expect(
      contractViolations(contract, 'GET', url, { status: 404, headers, body: notFound }),
    ).toEqual([]);
    const extraKey = { ...notFound, stack: 'at …' };
    expect(
      contractViolations(contract, 'GET', url, { status: 404, headers, body: extraKey }),
    ).toHaveLength(1);
    const oldShape = { statusCode: 404, message: 'x' };
    expect(
      contractViolations(contract, 'GET', url, { status: 404, headers, body: oldShape }),
    ).toHaveLength(1);
    expect(
      contractViolations(contract, 'GET', url, { status: 418, headers, body: notFound }),
    ).toHaveLength(1);
  });
});
