import { createTestApp } from './test-app';

export type LogLine = Record<string, unknown>;

/** The app as main.ts builds it, with stdout captured as parsed JSON lines. */
export async function startLoggedApp(env: Record<string, string>) {
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
    const app = await createTestApp({
      env: { LOG_FORMAT: 'json', LOG_LEVEL: 'log', LOG_REQUESTS: 'true', ...env },
    });
    return {
      url: app.url,
      lines,
      raw,
      close: async () => {
        await app.close();
        process.stdout.write = write;
      },
    };
  } catch (err) {
    process.stdout.write = write;
    throw err;
  }
}
