import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, fatalLineOf, runToExit } from '../support/app-process';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort } from '../support/smtp-server';
import { postJson, request } from '../support/test-app';

/** A relay URL nothing listens on: these apps start, and never send. */
const RELAY = 'smtp://127.0.0.1:9';
const KEY = 'k'.repeat(24);

async function expectOneLineFailure(env: Record<string, string>, variable: string, text: RegExp) {
  const result = await runToExit(env);
  expect(result.status).toBe(1);
  const line = fatalLineOf(result.stderr);
  expect(line.msg).toMatch(text);
  expect(line.msg).toContain(variable);
  expect(line.msg).not.toMatch(/\bat \S+ \(/); // no stack frame
  // Failures found once Nest runs (ports) may follow its first lines (Nest 12 flushes them
  // at init); none of those is an error.
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    expect(['trace', 'debug', 'info', 'warn']).toContain(
      (JSON.parse(line) as { level: string }).level,
    );
  }
}

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** Top-level keys of one JSON line, in order and with repeats (JSON.parse would merge them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      const start = i;
      for (i++; line[i] !== '"'; i++) if (line[i] === '\\') i++;
      if (depth === 1 && line[i + 1] === ':') keys.push(JSON.parse(line.slice(start, i + 1)));
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

describe('no silent misconfiguration', () => {
  it('refuses to start in production without a relay, instead of filling a local outbox', async () => {
    await expectOneLineFailure(
      { NODE_ENV: 'production' },
      'SMTP_URL',
      /must be set when NODE_ENV=production/,
    );
  });

  it('refuses an empty SMTP_URL and MAIL_TRANSPORT=smtp without one', async () => {
    await expectOneLineFailure({ SMTP_URL: '' }, 'SMTP_URL', /is set but empty/);
    await expectOneLineFailure({ MAIL_TRANSPORT: 'smtp' }, 'SMTP_URL', /MAIL_TRANSPORT=smtp/);
  });

  it('refuses an open relay in production unless ALLOW_OPEN_RELAY=true says so', async () => {
    const production = {
      NODE_ENV: 'production',
      SMTP_URL: RELAY,
      MAIL_FROM: 'noreply@example.com',
    };
    await expectOneLineFailure(production, 'API_KEYS', /must be set when NODE_ENV=production/);
    await expectOneLineFailure(
      { ...production, API_KEYS: `${KEY}=billing` },
      'ALLOWED_SENDER_DOMAINS',
      /CLIENT_SENDERS must be set/,
    );

    const open = await AppProcess.start({ ...production, ALLOW_OPEN_RELAY: 'true' });
    await open.stop();
    const guarded = await AppProcess.start({
      ...production,
      API_KEYS: `${KEY}=billing`,
      CLIENT_SENDERS: 'billing:example.com',
    });
    await guarded.stop();
  });

  it('reports every missing or invalid production setting at once, in one JSON line', async () => {
    const result = await runToExit({ NODE_ENV: 'production', SEND_WAIT_MS: '-1' });
    expect(result.status).toBe(1);
    const line = fatalLineOf(result.stderr);
    expect(line.variables).toEqual(
      expect.arrayContaining([
        'SEND_WAIT_MS',
        'SMTP_URL',
        'MAIL_FROM',
        'API_KEYS',
        'ALLOWED_SENDER_DOMAINS',
      ]),
    );
    expect(line.msg).toMatch(/^mailwatch failed to start: 5 settings are missing or invalid: /);
  });

  it('refuses a production MAIL_FROM outside the sender policy', async () => {
    await expectOneLineFailure(
      {
        NODE_ENV: 'production',
        SMTP_URL: RELAY,
        API_KEYS: `${KEY}=billing`,
        ALLOWED_SENDER_DOMAINS: 'example.com',
        MAIL_FROM: 'mailwatch@localhost',
      },
      'MAIL_FROM',
      /MAIL_FROM is not allowed by the sender policy/,
    );
  });

  it('names PORT or METRICS_PORT when they clash with each other or another process', async () => {
    const port = String(await freePort());
    await expectOneLineFailure(
      { PORT: port, METRICS_PORT: port },
      'METRICS_PORT',
      /must differ from PORT/,
    );

    const taken = await occupiedPort();
    try {
      await expectOneLineFailure(
        { PORT: String(taken.port) },
        'PORT',
        /cannot be bound.*EADDRINUSE/,
      );
      await expectOneLineFailure(
        { PORT: port, METRICS_PORT: String(taken.port) },
        'METRICS_PORT',
        /cannot be bound.*EADDRINUSE/,
      );
    } finally {
      taken.server.close();
    }
  });

  it('names TEMPLATES_DIR when it is missing or holds a template that does not compile', async () => {
    await expectOneLineFailure(
      { TEMPLATES_DIR: '/nonexistent/mailwatch' },
      'TEMPLATES_DIR',
      /ENOENT/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-bad-templates-'));
    try {
      writeFileSync(join(dir, 'broken.hbs'), '<p>{{#if name}}unclosed</p>');
      await expectOneLineFailure({ TEMPLATES_DIR: dir }, 'TEMPLATES_DIR', /broken\.hbs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns about a variable that looks like a typo of a known one, and starts', async () => {
    const app = await AppProcess.start({ SMTP_ULR: RELAY, smtp_url: RELAY, PATH_EXTRA: 'x' });
    try {
      expect(app.log).toMatch(/SMTP_ULR is not used by mailwatch; did you mean SMTP_URL\?/);
      expect(app.log).toMatch(/smtp_url is not used by mailwatch; did you mean SMTP_URL\?/);
      expect(app.log).not.toContain('PATH_EXTRA');
    } finally {
      await app.stop();
    }
  });
});

describe('quiet logs', () => {
  it('starts in a handful of lines, access-logs requests but not probes, with unique keys', async () => {
    const app = await AppProcess.start({ LOG_LEVEL: 'log', LOG_REQUESTS: 'true' });
    try {
      const startup = app.log.trim().split('\n');
      expect(startup.length).toBeGreaterThanOrEqual(2);
      expect(startup.length).toBeLessThanOrEqual(5);
      expect(startup.at(-1)).toContain('mailwatch listening on');
      for (let i = 0; i < 3; i++) {
        expect((await request(`${app.url}/healthz`)).status).toBe(200);
        expect((await request(`${app.url}/readyz`)).status).toBe(200);
        expect((await request(`${app.url}/metrics`)).status).toBe(200);
      }
      const sent = await postJson(
        `${app.url}/send-email`,
        { to: 'ada@example.com', subject: 'Hi', text: 'x' },
        { 'x-request-id': 'quiet-1' },
      );
      expect(sent.status).toBe(200);
      const missing = await request(
        `${app.url}/emails/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      );
      expect(missing.status).toBe(404);

      const deadline = Date.now() + 5000;
      const lines = () => app.log.trim().split('\n');
      while (!lines().some((l) => l.includes('"statusCode":404')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
      const access = parsed.filter((l) => l.msg === 'request completed');
      expect(access.map((l) => (l.req as { path: string }).path)).toEqual([
        '/send-email',
        expect.stringMatching(/^\/emails\//),
      ]);
      expect(parsed.filter((l) => l.requestId === 'quiet-1').length).toBeGreaterThanOrEqual(2);
      for (const line of lines()) {
        const keys = topLevelKeys(line);
        expect({ line, keys: new Set(keys).size }).toEqual({ line, keys: keys.length });
      }
      // An expected 4xx is one line (the access line), with no stack trace.
      expect(app.log).not.toMatch(/\n\s+at /);
    } finally {
      await app.stop();
    }
  });

  it('starts in three lines in either LOG_FORMAT, as the README says, ending on the listening line', async () => {
    for (const format of ['json', 'pretty']) {
      const app = await AppProcess.start({
        LOG_LEVEL: 'log',
        LOG_FORMAT: format,
        QUEUE_DRIVER: 'memory',
        MAIL_TRANSPORT: 'outbox',
      });
      try {
        const startup = app.log.trim().split('\n');
        expect({ format, lines: startup.length }).toEqual({ format, lines: 3 });
        expect(startup[2]).toContain('mailwatch listening on http://');
        expect(startup[2]).toContain('; queue memory');
      } finally {
        await app.stop();
      }
    }
  });

  it('names the queue driver and where mail waits in the listening line, never Redis credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-startup-line-'));
    const redis = new DedicatedRedis(await freePort(), [
      // A user of its own with a password, so the URL carries credentials to leave out.
      '--user',
      'mw',
      'on',
      '>line-secret-pw',
      '~*',
      '&*',
      '+@all',
    ]);
    let spool: AppProcess | undefined;
    let queued: AppProcess | undefined;
    try {
      const lastLine = (app: AppProcess) =>
        JSON.parse(app.log.trim().split('\n').at(-1)!) as Record<string, unknown>;
      const spoolPath = join(dir, 'spool.db');
      spool = await AppProcess.start({
        LOG_LEVEL: 'log',
        QUEUE_DRIVER: 'spool',
        SPOOL_PATH: spoolPath,
      });
      expect(lastLine(spool)).toMatchObject({
        msg: expect.stringContaining(`queue spool (${spoolPath})`),
        queueDriver: 'spool',
        spoolPath,
      });

      await redis.start();
      const prefix = uniquePrefix('startup-line');
      queued = await AppProcess.start({
        LOG_LEVEL: 'log',
        QUEUE_DRIVER: 'redis',
        REDIS_URL: `redis://mw:line-secret-pw@127.0.0.1:${redis.port}`,
        REDIS_PREFIX: prefix,
      });
      expect(lastLine(queued)).toMatchObject({
        msg: expect.stringContaining(`queue redis (redis://127.0.0.1:${redis.port})`),
        queueDriver: 'redis',
        redis: `redis://127.0.0.1:${redis.port}`,
      });
      expect(queued.log).not.toContain('line-secret-pw');
    } finally {
      await spool?.stop();
      await queued?.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs a failing /readyz as one JSON line, without a coloured box', async () => {
    // Readiness ignores the relay (issue 12): fill the queue instead. One email retrying
    // against a closed relay port keeps a one-email queue full for its retry budget.
    const app = await AppProcess.start({
      SMTP_URL: RELAY,
      LOG_LEVEL: 'log',
      QUEUE_DRIVER: 'memory',
      QUEUE_CAPACITY: '1',
    });
    try {
      const queued = await postJson(
        `${app.url}/send-email`,
        { to: 'a@example.com', subject: 'fill', text: 'x' },
        { prefer: 'respond-async' },
      );
      expect(queued.status).toBe(202);
      expect((await request(`${app.url}/readyz`)).status).toBe(503);
      const deadline = Date.now() + 5000;
      const failure = () => app.log.split('\n').find((l) => l.includes('"msg":"not ready"'));
      while (failure() === undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Structured fields (issue 24), not JSON inside a string.
      const line = JSON.parse(failure()!) as { msg: string; checks: Record<string, string> };
      expect(line.checks).toEqual({ queue: 'delivery queue is full' });
      expect(failure()).not.toContain('\u001b'); // no ANSI colours
      expect(failure()).not.toContain('127.0.0.1');
    } finally {
      await app.stop();
    }
  });
});
