import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from './manifests';

export const RULES_FILE = 'config/alerts/mailwatch.rules.yml';
export const RULES_TEMPLATE = 'config/alerts/mailwatch.rules.template.yml';
export const RULES_SETTINGS = 'config/alerts/settings.yml';
export const RULE_TESTS_DIR = 'config/alerts/tests';
export const RUNBOOK_FILE = 'docs/runbook.md';

/** The alerts of mailwatch.rules.yml, in file order; the runbook has a section for each. */
export const EXPECTED_ALERTS = [
  'MailwatchSLOBurnRateFast',
  'MailwatchSLOBurnRateSlow',
  'MailwatchPermanentRejectionsHigh',
  'MailwatchHardBouncesHigh',
  'MailwatchSmtpAuthFailures',
  'MailwatchQueueBacklog',
  'MailwatchIntakeDown',
  'MailwatchSendLatencyHigh',
  'MailwatchRetriesSurging',
  'MailwatchRelayDown',
  'MailwatchDeferredMailExpiring',
  'MailwatchDeadLettersGrowing',
  'MailwatchWebhookEndpointPaused',
  'MailwatchTargetDown',
  'MailwatchAbsent',
];

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  record: string;
  expr: string;
}

type Rule = AlertRule | RecordingRule;

function loadRules(): Rule[] {
  const file = parse(readFileSync(repoPath(RULES_FILE), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  };
  return file.groups.flatMap((group) => group.rules);
}

export function loadAlertRules(): AlertRule[] {
  return loadRules().filter((rule): rule is AlertRule => 'alert' in rule);
}

export function loadRecordingRules(): RecordingRule[] {
  return loadRules().filter((rule): rule is RecordingRule => 'record' in rule);
}

export interface RuleSettings {
  selector: string;
  by: string;
  objective: number;
}

export function loadRuleSettings(): RuleSettings {
  const settings = parse(readFileSync(repoPath(RULES_SETTINGS), 'utf8')) as RuleSettings;
  const { selector, by, objective } = settings;
  if (typeof selector !== 'string' || typeof by !== 'string' || !(objective > 0 && objective < 1))
    throw new Error(`${RULES_SETTINGS}: selector and by must be strings, 0 < objective < 1`);
  return settings;
}

/** Decimal arithmetic without float noise (1 - 0.95 is 0.050000000000000044). */
const decimal = (value: number) => String(Number(value.toPrecision(10)));

/** mailwatch.rules.yml: the template with the settings filled in, like a mixin's _config. */
export function renderAlertRules(settings: RuleSettings = loadRuleSettings()): string {
  const values: Record<string, string> = {
    selector: settings.selector,
    by: settings.by,
    objective: decimal(settings.objective),
    objective_percent: decimal(settings.objective * 100),
    budget: decimal(1 - settings.objective),
  };
  const template = readFileSync(repoPath(RULES_TEMPLATE), 'utf8');
  const body = template.replace(/\$\{(\w+)\}/g, (whole, key: string) => {
    if (values[key] === undefined)
      throw new Error(`unknown placeholder ${whole} in ${RULES_TEMPLATE}`);
    return values[key];
  });
  return (
    `# GENERATED from ${RULES_TEMPLATE} and ${RULES_SETTINGS} — do not edit.\n` +
    `# Change those, then run: UPDATE_GENERATED=1 npx jest test/deploy/k8s-generated.e2e-spec.ts\n` +
    body
  );
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

/** Every promtool unit-test file, relative to the repository. */
export function ruleTestFiles(): string[] {
  return readdirSync(repoPath(RULE_TESTS_DIR))
    .filter((name) => name.endsWith('.test.yml'))
    .sort()
    .map((name) => `${RULE_TESTS_DIR}/${name}`);
}

export function loadRuleUnitTests(): RuleUnitTests {
  const files = ruleTestFiles().map(
    (file) => parse(readFileSync(repoPath(file), 'utf8')) as RuleUnitTests,
  );
  return { tests: files.flatMap((file) => file.tests) };
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
