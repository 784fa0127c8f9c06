import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createApp } from '../src/bootstrap';
import { TestSmtpServer } from './support/smtp-server';
import { postJson } from './support/test-app';

type Line = Record<string, unknown>;

/** The app as main.ts builds it, with stdout captured as parsed JSON lines. */
export async function startLoggedApp(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, { LOG_FORMAT: 'json', LOG_REQUESTS: 'true', ...env });
  const lines: Line[] = [];
  const raw: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    raw.push(text);
    for (const part of text.split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(part) as Line);
      } catch {
        lines.push({ unparsed: part });
      }
    }
    return typeof rest[rest.length - 1] === 'function'
      ? write(chunk, rest[rest.length - 1] as () => void)
      : true;
  });
  try {
    const app: NestFastifyApplication = await createApp();
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      url,
      lines,
      raw,
      close: async () => {
        await app.close();
        process.stdout.write = write;
        register.clear();
      },
    };
  } finally {
    process.env = saved;
  }
}

// Its own file: nestjs-pino keeps its root logger per module instance, so a level set by an
// earlier app in the same jest module registry would leak into this one.
describe('Structured logs with LOG_LEVEL=warn', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it('honours LOG_LEVEL and LOG_REQUESTS=false', async () => {
    const sut = await startLoggedApp({
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
    });
    try {
      const res = await postJson(`${sut.url}/send-email`, {
        to: 'a@example.com',
        subject: 'Hi',
        text: 'x',
      });

      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(sut.lines.filter((l) => (l.level as number) < 40)).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});
