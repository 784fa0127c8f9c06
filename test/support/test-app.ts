import type { InjectionToken, ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { AppModule } from '../../src/app.module';
import { configureApp, createFastifyAdapter, logLevelsFrom } from '../../src/bootstrap';
import { parseAllConfig } from '../../src/config/namespaces';

export interface TestApp {
  app: NestFastifyApplication;
  /** http://127.0.0.1:PORT of the real listener. */
  url: string;
  close(): Promise<void>;
}

export type TestEnv = Record<string, string | undefined>;

export interface TestAppOptions {
  /** Environment variables as main.ts would read them; `undefined` unsets one. */
  env?: TestEnv;
  /** Modules added beside AppModule (a team's module under test). */
  imports?: ModuleMetadata['imports'];
  /** Runs on the app before init (e.g. to add a Fastify hook). */
  configure?: (app: NestFastifyApplication) => void;
  /** Providers replaced by value, e.g. `{ provide: MAIL_TRANSPORT, useValue: myTransport }`. */
  overrides?: Array<{ provide: InjectionToken; useValue: unknown }>;
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

/** A spool file of its own for each app that asks for the spool driver, never ./var. */
export function testSpoolPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailwatch-spool-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'spool.db');
}

/**
 * The environment a test app sees: the process's own (never modified), the test defaults
 * (outbox in a temporary folder, no SMTP relay, quiet logs, the memory queue driver unless the
 * test names one — the spool's own specs do) and the test's settings.
 */
export function testEnvironment(env: TestEnv = {}): Record<string, string> {
  const merged: TestEnv = {
    ...process.env,
    OUTBOX_DIR: testOutbox(),
    SMTP_URL: undefined,
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    QUEUE_DRIVER: 'memory',
    ...env,
  };
  if (merged.QUEUE_DRIVER === 'spool' && merged.SPOOL_PATH === undefined) {
    merged.SPOOL_PATH = testSpoolPath();
  }
  return Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * The app main.ts runs (AppModule, the hardened Fastify adapter, logger, API docs) on a real
 * loopback port. Configuration is parsed from `env` by the same pure functions main.ts uses
 * and handed to Nest in place of process.env, which stays untouched.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const settings = parseAllConfig(testEnvironment(options.env));
  let builder = Test.createTestingModule({ imports: [AppModule, ...(options.imports ?? [])] });
  for (const { token, value } of Object.values(settings)) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  for (const { provide, useValue } of options.overrides ?? []) {
    builder = builder.overrideProvider(provide).useValue(useValue);
  }
  const moduleRef = await builder.compile();
  const { app, security } = settings;
  const nest = moduleRef.createNestApplication<NestFastifyApplication>(
    createFastifyAdapter({ app: app.value, security: security.value }),
    { logger: logLevelsFrom(app.value.logLevel) },
  );
  configureApp(nest);
  options.configure?.(nest);
  await nest.init();
  await nest.getHttpAdapter().getInstance().ready();
  await nest.listen(0, '127.0.0.1');
  const url = (await nest.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app: nest,
    url,
    close: async () => {
      await nest.close();
      register.clear();
    },
  };
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
