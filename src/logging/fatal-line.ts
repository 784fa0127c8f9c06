/**
 * A start-up failure as one line: pino's shape in JSON (`"level":"fatal"`, so log pipelines
 * alert on it like any fatal line), plain text with LOG_FORMAT=pretty. Written before Nest or
 * pino load (an old Node, a bad variable), hence no logger. Imports nothing.
 */
export function fatalLine(
  message: string,
  format: 'json' | 'pretty',
  fields: Record<string, unknown> = {},
): string {
  const msg = `mailwatch failed to start: ${message}`;
  if (format === 'pretty') return `${msg}\n`;
  return `${JSON.stringify({ level: 'fatal', time: Date.now(), pid: process.pid, context: 'Main', ...fields, msg })}\n`;
}
