import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from './manifests';

export const RULES_FILE = 'config/alerts/mailwatch.rules.yml';
export const RULE_TESTS_FILE = 'config/alerts/tests/mailwatch.test.yml';
export const RUNBOOK_FILE = 'docs/runbook.md';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const file = parse(readFileSync(repoPath(RULES_FILE), 'utf8')) as {
    groups: Array<{ rules: AlertRule[] }>;
  };
  return file.groups.flatMap((group) => group.rules);
}

export function alertRule(name: string): AlertRule {
  const rule = loadAlertRules().find((r) => r.alert === name);
  if (rule === undefined) throw new Error(`no alert rule ${name} in ${RULES_FILE}`);
  return rule;
}

/** Collapses whitespace so multi-line expressions compare with one-line contract queries. */
export function normalizePromql(expr: string): string {
  return expr.replace(/\s+/g, ' ').trim();
}

export interface RuleUnitTests {
  tests: Array<{
    name: string;
    alert_rule_test?: Array<{ eval_time: string; alertname: string; exp_alerts: unknown[] }>;
  }>;
}

export function loadRuleUnitTests(): RuleUnitTests {
  return parse(readFileSync(repoPath(RULE_TESTS_FILE), 'utf8')) as RuleUnitTests;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function runbookAnchors(): Set<string> {
  const markdown = readFileSync(repoPath(RUNBOOK_FILE), 'utf8');
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => match[1]);
  return new Set(headings.map(githubAnchor));
}
