/**
 * What must hold before any module loads: main.ts checks it with nothing else imported, so
 * an old Node prints one line instead of a loader stack trace (`node:sqlite` is a built-in
 * without a flag from Node 22.13; the spool and Nest 12 need it). Imports nothing.
 */
export const MINIMUM_NODE = { major: 22, minor: 13 } as const;

/** The one line an operator reads when `version` (process.versions.node) is too old. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  if (major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor)) {
    return undefined;
  }
  return (
    `mailwatch needs Node.js >= ${MINIMUM_NODE.major}.${MINIMUM_NODE.minor} and this is ${version}: ` +
    'run `npx node dist/main.js` in the project folder (npm ci installs Node 24 into node_modules/.bin), ' +
    'or install Node 24 LTS'
  );
}

/**
 * The format of a line written before configuration is parsed (or when it cannot be): JSON
 * unless LOG_FORMAT=pretty, like every other line.
 */
export function earlyLogFormat(
  env: Readonly<Record<string, string | undefined>> = process.env,
): 'json' | 'pretty' {
  return env.LOG_FORMAT?.trim() === 'pretty' ? 'pretty' : 'json';
}
