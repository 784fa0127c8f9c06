import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from './manifests';

const walk = (path: string, keep: (name: string) => boolean): string[] =>
  readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return walk(child, keep);
    return keep(entry.name) ? [child] : [];
  });

const read = (files: string[]) => files.map((file) => readFileSync(file, 'utf8')).join('\n');

/** Non-spec code and YAML/JSON under `dir` (relative to the repository), concatenated. */
function sourceText(dir: string): string {
  return read(
    walk(repoPath(dir), (name) => /\.(ts|ya?ml|json)$/.test(name) && !name.endsWith('.spec.ts')),
  );
}

/**
 * Everything that can read or set a variable: code, tests, scripts, manifests, the image.
 * Not this check's own spec, whose probes name variables that exist nowhere on purpose.
 */
function repositoryText(): string {
  const code = (name: string) =>
    /\.(ts|js|mjs|sh|py|ya?ml|json|env\.example)$/.test(name) && name !== 'doc-paths.e2e-spec.ts';
  const dirs = ['src', 'test', 'bench', 'scripts', 'config', 'k8s', '.ci'];
  const files = dirs.flatMap((dir) => walk(repoPath(dir), code));
  return read([...files, repoPath('Dockerfile'), repoPath('docker-compose.yml')]);
}

const hasWord = (text: string, word: string) => new RegExp(`\\b${word}\\b`).test(text);

/**
 * Names a doc may quote although no code defines them, each with why. Kept short: a doc that
 * needs a longer list should say less.
 */
const METRIC_NAMES_OUTSIDE_CODE: Record<string, string> = {
  email_in_progress:
    'the in-progress gauge of the original deployment (README, METRICS_INPROGRESS_NAME)',
};

// Our metric families (and the Prometheus job names beside them), not a recording rule's
// `mailwatch:email_…:ratio` (the lookbehind) and not prom-client's process_/nodejs_ defaults.
const METRIC = /(?<![\w:])((?:email|smtp_ingress|http_requests?)_[a-z0-9_]*[a-z0-9])/g;
const SUFFIX = /_(bucket|sum|count|created)$/;

export interface DocName {
  doc: string;
  name: string;
}

/** Metric names a doc quotes that neither src/ nor config/ (rules, dashboards, scrape) names. */
export function unknownMetricNames(doc: string, known = sourceText('src') + sourceText('config')) {
  const names = new Set([...readFileSync(repoPath(doc), 'utf8').matchAll(METRIC)].map((m) => m[1]));
  return [...names]
    .filter((name) => !(name in METRIC_NAMES_OUTSIDE_CODE))
    .filter((name) => !hasWord(known, name) && !hasWord(known, name.replace(SUFFIX, '')))
    .map((name): DocName => ({ doc, name }));
}

/** Each `VARIABLE` named in the first column of the README's configuration table. */
export function configTableVariables(readme = readFileSync(repoPath('README.md'), 'utf8')) {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration\n')) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

/** Configuration-table variables that src/config/ never reads. */
export function unreadConfigVariables(variables = configTableVariables()): string[] {
  const config = sourceText('src/config');
  return variables.filter((name) => !config.includes(`'${name}'`));
}

/** `UPPER_SNAKE` names a doc quotes in backticks (`NAME` or `NAME=value`). */
const UPPER = /`([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])(?:=[^`]*)?`/g;

/**
 * Environment variables (and other UPPER_SNAKE names) a doc quotes that nothing in the
 * repository mentions: a variable that was renamed or removed. Names of other tools (Node's
 * own `NODE_OPTIONS`, …) pass because a manifest or script sets them.
 */
export function unknownUpperNames(doc: string, known = repositoryText()): DocName[] {
  const names = new Set([...readFileSync(repoPath(doc), 'utf8').matchAll(UPPER)].map((m) => m[1]));
  return [...names].filter((name) => !hasWord(known, name)).map((name) => ({ doc, name }));
}
