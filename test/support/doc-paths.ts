import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { repoPath } from './manifests';

/** The folders of the repository a doc may point into. */
const ROOTS = ['src', 'test', 'docs', 'config', 'k8s', 'bench', 'scripts'];

// A path starts at a root folder name not preceded by a word character or a dot (so
// `../test/x` counts, `foo.src/x` does not), and ends before a space, quote, bracket, colon,
// comma or a sentence's final dot.
const PATH = new RegExp(
  `(?<![\\w.-])((?:${ROOTS.join('|')})/[\\w./-]*[\\w/-]|(?:${ROOTS.join('|')})/)`,
  'g',
);

/** Characters after a path that mean "a pattern starting here": `*.ts`, `<name>/`, `{a,b}`. */
const PATTERN_NEXT = /^[*<{…]/;

/** Module specifiers (`../../src/mail/mail-client`) name a file without its extension. */
const EXTENSIONS = ['', '.ts', '.js', '.mjs', '.json', '.yml', '.yaml', '.md'];

export interface DocPath {
  doc: string;
  line: number;
  path: string;
}

/** README.md and every docs/*.md. */
export function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(repoPath('docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

function exists(path: string, pattern: boolean): boolean {
  if (EXTENSIONS.some((ext) => existsSync(repoPath(path + ext)))) return true;
  if (!pattern) return false;
  // `monitoring-rules*.e2e-spec.ts`: some entry of the folder starts with the given part.
  const dir = repoPath(dirname(path));
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(basename(path)));
}

/**
 * Repository paths quoted by a doc outside fenced code blocks (which show code a reader
 * writes, such as a team's `src/digest/…`) and outside URLs, that do not exist.
 */
export function missingDocPaths(doc: string): DocPath[] {
  const missing: DocPath[] = [];
  let fenced = false;
  readFileSync(repoPath(doc), 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (/^\s*(```|~~~)/.test(raw)) fenced = !fenced;
      if (fenced) return;
      const line = raw.replace(/https?:\/\/\S+/g, ' ');
      for (const match of line.matchAll(PATH)) {
        const path = match[1].replace(/\/$/, '') || match[1];
        const next = line.slice((match.index ?? 0) + match[1].length);
        if (!exists(path, PATTERN_NEXT.test(next))) missing.push({ doc, line: i + 1, path });
      }
    });
  return missing;
}
