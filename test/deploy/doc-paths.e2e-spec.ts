import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { docFiles, missingDocPaths } from '../support/doc-paths';
import { repoPath } from '../support/manifests';

/*
 * Docs describe today (issue 21): a README.md or docs/*.md line that quotes a repository path
 * (src/…, test/…, docs/…, config/…, k8s/…, bench/…, scripts/…) that does not exist fails here.
 * Fenced code blocks are exempt: they show code the reader writes.
 */
describe('Paths quoted by the docs', () => {
  it.each(docFiles())('%s quotes only paths that exist', (doc) => {
    expect(missingDocPaths(doc)).toEqual([]);
  });

  it('notices a missing path, and accepts patterns, folders and extensionless specifiers', () => {
    const dir = mkdtempSync(join(repoPath('docs'), '.doc-paths-'));
    const doc = relative(repoPath(), join(dir, 'probe.md'));
    try {
      writeFileSync(
        repoPath(doc),
        [
          'See `src/mail/gone.ts` and [the spec](../test/examples/nowhere.e2e-spec.ts).',
          'Fine: `src/mail/`, `src/mail/mail.module.ts`, `test/deploy/monitoring-rules*.e2e-spec.ts`,',
          '`src/<team>/`, ../../src/mail/mail-client, https://example.com/src/not/ours.',
          '```ts',
          '// src/digest/digest.module.ts (the reader writes it)',
          '```',
        ].join('\n'),
      );

      expect(missingDocPaths(doc)).toEqual([
        { doc, line: 1, path: 'src/mail/gone.ts' },
        { doc, line: 1, path: 'test/examples/nowhere.e2e-spec.ts' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
