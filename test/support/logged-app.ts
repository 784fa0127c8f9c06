import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createApp } from '../../src/bootstrap';

export type LogLine = Record<string, unknown>;

/** The app as main.ts builds it, with stdout captured as parsed JSON lines. */
export async function startLoggedApp(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, { LOG_FORMAT: 'json', LOG_REQUESTS: 'true', ...env });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    raw.push(text);
    for (const part of text.split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ unparsed: part });
      }
    }
    return typeof rest[rest.length - 1] === 'function'
      ? write(chunk, rest[rest.length - 1] as () => void)
      : true;
  };
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
