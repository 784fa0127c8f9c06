/**
 * Just enough PromQL lexing to list the metric names an expression selects, so dashboards
 * and alerts can be checked against the app's metric list without a Prometheus server.
 * Syntax itself is checked by promtool; this only has to find names in valid expressions.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

/** Metric names selected by `expr`, sorted and without duplicates. */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const match of expr.matchAll(/__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) {
    names.add(match[1]);
  }
  const stripped = expr
    // string literals (label values, label_replace arguments)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    // label matchers and range/subquery selectors
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    // label lists of grouping and vector-matching clauses
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const identifier = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (const match of stripped.matchAll(identifier)) {
    const name = match[0];
    const start = match.index;
    const before = stripped[start - 1] ?? ' ';
    // part of a number (1e-9) or duration (5m) rather than an identifier
    if (/[0-9.]/.test(before)) continue;
    const after = stripped.slice(start + name.length);
    if (/^\s*\(/.test(after)) continue; // function call
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Values that make a Grafana query valid PromQL, for checking it outside Grafana. */
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  cluster: '.*',
  namespace: '.*',
  job: 'email_service|mailwatch',
  client: '.*',
  slo: '0.95',
};

export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = GRAFANA_VARIABLES[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}
