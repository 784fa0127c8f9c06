import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  configTableVariables,
  unknownMetricNames,
  unknownUpperNames,
  unreadConfigVariables,
} from '../support/doc-names';
import { docFiles, missingDocPaths } from '../support/doc-paths';
import { repoPath } from '../support/manifests';

/*
 * Docs describe today (issue 21): a README.md or docs/*.md line that quotes a repository path
 * (src/…, test/…, docs/…, config/…, k8s/…, bench/…, scripts/…) that does not exist fails here.
 * Fenced code blocks are exempt: they show code the reader writes. Likewise for names: a metric
 * the docs quote exists in src/ or config/, and every variable of the README's configuration
 * table is read by src/config/ (the changelog is history and may quote old names).
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

  it.each(docFiles().filter((doc) => doc !== 'docs/changelog.md'))(
    '%s quotes only metric names the code or config defines',
    (doc) => {
      expect(unknownMetricNames(doc)).toEqual([]);
    },
  );

  it.each(docFiles().filter((doc) => doc !== 'docs/changelog.md'))(
    '%s quotes only variables something in the repository reads or sets',
    (doc) => {
      expect(unknownUpperNames(doc)).toEqual([]);
    },
  );

  it('every variable in the README configuration table is read by src/config/', () => {
    const variables = configTableVariables();
    expect(variables).toEqual(expect.arrayContaining(['SMTP_URL', 'QUEUE_DRIVER', 'PORT']));
    expect(unreadConfigVariables(variables)).toEqual([]);
  });

  it('notices a metric or a configuration variable nobody defines', () => {
    const dir = mkdtempSync(join(repoPath('docs'), '.doc-names-'));
    const doc = relative(repoPath(), join(dir, 'probe.md'));
    try {
      writeFileSync(
        repoPath(doc),
        'Watch `email_sent_total`, `email_send_duration_seconds_bucket`, `email_gone_total`, ' +
          '`mailwatch:email_sli_success:ratio_rate5m` and job `email_service`. ' +
          'Set `SMTP_URL`, `QUEUE_DRIVER=spool` and `SMTP_GONE_SETTING=1`.',
      );
      expect(unknownMetricNames(doc)).toEqual([{ doc, name: 'email_gone_total' }]);
      expect(unknownUpperNames(doc)).toEqual([{ doc, name: 'SMTP_GONE_SETTING' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const readme = [
      '## Configuration',
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `SMTP_URL` | — | the relay |',
      '| `API_KEYS` / `API_KEYS_FILE` | — | keys |',
      '| `SMTP_RELAY_GONE` | — | removed |',
      '## Metrics',
      '| `NOT_CONFIG` | — | another table |',
    ].join('\n');
    const variables = configTableVariables(readme);
    expect(variables).toEqual(['SMTP_URL', 'API_KEYS', 'API_KEYS_FILE', 'SMTP_RELAY_GONE']);
    expect(unreadConfigVariables(variables)).toEqual(['SMTP_RELAY_GONE']);
  });
});
