import { existsSync, readFileSync } from 'node:fs';
import { parse as parsePath } from 'node:path';
import { repoPath } from '../support/manifests';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions, joining `\` continuation lines. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else {
      const current = stages.at(-1);
      if (current === undefined) throw new Error(`${keyword} before the first FROM`);
      current.instructions.push(instruction);
    }
  }
  return stages;
}

/** Docker's .dockerignore patterns (the subset used here: *, ** and leading !). */
function ignoredByDockerignore(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const body = pattern
      .split('**')
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
      .join('.*');
    const regex = new RegExp(`^${body}(/.*)?$`);
    if (regex.test(path)) ignored = !negated;
  }
  return ignored;
}

const stages = () => parseDockerfile(readFileSync(repoPath('Dockerfile'), 'utf8'));
const finalStage = () => {
  const all = stages();
  return all[all.length - 1];
};
const dockerignore = () =>
  readFileSync(repoPath('.dockerignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Container image (Dockerfile)', () => {
  it('builds in several stages, all on the Node 24 LTS slim image', () => {
    expect(stages().length).toBeGreaterThanOrEqual(2);
    for (const stage of stages()) expect(stage.from).toBe('node:24-bookworm-slim');
  });

  it('compiles with `npm run build` in a build stage', () => {
    const build = stages().find((stage) =>
      args(stage, 'RUN').some((run) => /npm run build/.test(run)),
    );

    expect(build).toBeDefined();
    expect(build).not.toBe(finalStage());
  });

  it('installs only production dependencies in the final stage', () => {
    const runs = args(finalStage(), 'RUN');

    expect(runs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(
      runs.filter((run) => /\bnpm (ci|install)\b/.test(run) && !/--omit=dev/.test(run)),
    ).toEqual([]);
  });

  it('takes only the compiled dist/ from the build stage', () => {
    const fromBuild = args(finalStage(), 'COPY').filter((copy) => copy.startsWith('--from='));

    expect(fromBuild).toEqual([`--from=${stages()[0].name} /app/dist ./dist`]);
  });

  it('runs as the non-root `node` user', () => {
    const users = args(finalStage(), 'USER');
    const lastUser = finalStage()
      .instructions.map((i) => i.keyword)
      .lastIndexOf('USER');
    const lastRun = finalStage()
      .instructions.map((i) => i.keyword)
      .lastIndexOf('RUN');

    expect(users.at(-1)).toBe('node');
    expect(lastUser).toBeGreaterThan(lastRun);
  });

  it('starts node directly in exec form, so SIGTERM reaches the app', () => {
    const commands = args(finalStage(), 'CMD');

    expect(commands).toHaveLength(1);
    expect(JSON.parse(commands[0])).toEqual(['node', 'dist/main.js']);
    expect(args(finalStage(), 'ENTRYPOINT')).toEqual([]);
  });

  it('has no HEALTHCHECK: Kubernetes probes are the health checks', () => {
    expect(stages().flatMap((stage) => args(stage, 'HEALTHCHECK'))).toEqual([]);
  });

  it('produces dist/main.js from src/main.ts, as `nest build` maps src/ to dist/', () => {
    const buildConfig = JSON.parse(readFileSync(repoPath('tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };

    expect(parsePath(buildConfig.compilerOptions.rootDir).base).toBe('src');
    expect(parsePath(buildConfig.compilerOptions.outDir).base).toBe('dist');
    expect(existsSync(repoPath('src', 'main.ts'))).toBe(true);
  });
});

describe('Build context (.dockerignore)', () => {
  it('keeps dependencies, build output, git history and local env files out', () => {
    for (const path of ['node_modules', 'dist', '.git', '.env', 'var/outbox/x.eml', 'coverage']) {
      expect({ path, ignored: ignoredByDockerignore(path, dockerignore()) }).toEqual({
        path,
        ignored: true,
      });
    }
  });

  it('still sends every file the Dockerfile copies', () => {
    const sources = stages()
      .flatMap((stage) => args(stage, 'COPY'))
      .filter((copy) => !copy.startsWith('--from='))
      .flatMap((copy) => copy.split(/\s+/).slice(0, -1));

    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const source of sources) {
      expect({ source, exists: existsSync(repoPath(source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignoredByDockerignore(source, dockerignore()) }).toEqual({
        source,
        ignored: false,
      });
    }
  });
});
