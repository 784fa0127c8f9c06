import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoPath } from '../support/manifests';

/*
 * No file in src/ over 260 lines (STYLE, issue 21): past that a file usually holds two
 * concerns, and splitting it later along its real seams is harder than now. Counted like
 * `wc -l` (newlines), specs included.
 */
const MAX_LINES = 260;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const lineCount = (path: string) => readFileSync(path, 'utf8').split('\n').length - 1;

/** Files under `root` longer than MAX_LINES, relative to `root`. */
function oversized(root: string): Array<{ file: string; lines: number }> {
  return sourceFiles(root)
    .map((path) => ({ file: relative(root, path), lines: lineCount(path) }))
    .filter(({ lines }) => lines > MAX_LINES);
}

describe('Source file size', () => {
  it(`every src/**/*.ts file has at most ${MAX_LINES} lines`, () => {
    expect(sourceFiles(repoPath('src')).length).toBeGreaterThan(100);
    expect(oversized(repoPath('src'))).toEqual([]);
  });

  it('notices a file one line over, in a nested folder, and ignores other extensions', () => {
    const root = mkdtempSync(join(tmpdir(), 'mailwatch-source-size-'));
    try {
      mkdirSync(join(root, 'a', 'b'), { recursive: true });
      const lines = (n: number) => 'const x = 1;\n'.repeat(n);
      writeFileSync(join(root, 'a', 'at-limit.ts'), lines(MAX_LINES));
      writeFileSync(join(root, 'a', 'b', 'over.ts'), lines(MAX_LINES + 1));
      writeFileSync(join(root, 'a', 'notes.md'), lines(MAX_LINES * 2));
      expect(oversized(root)).toEqual([{ file: join('a', 'b', 'over.ts'), lines: MAX_LINES + 1 }]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
