import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { AppModule } from '../../src/app.module';
import { createFastifyAdapter } from '../../src/bootstrap';

export interface TestApp {
  app: NestFastifyApplication;
  /** http://127.0.0.1:PORT of the real listener. */
  url: string;
  close(): Promise<void>;
}

/** Outbox for apps without SMTP_URL: a temporary folder, never the working tree. */
let outbox: string | undefined;
function testOutbox(): string {
  if (!outbox) {
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-outbox-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    outbox = dir;
  }
  return outbox;
}

/**
 * The real AppModule on a real loopback port, configured through the environment exactly
 * as in production. The variables apply while the app is built (config namespaces are
 * read then) and are restored afterwards, so tests do not leak settings into each other.
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
): Promise<TestApp> {
  const saved: Record<string, string | undefined> = {};
  const settings = { OUTBOX_DIR: testOutbox(), SMTP_URL: undefined, ...env };
  for (const [key, value] of Object.entries(settings)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), {
      logger: ['error', 'warn'],
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      url,
      close: async () => {
        await app.close();
        register.clear();
      },
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function request<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export function postJson<T = Record<string, unknown>>(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  return request<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
}
