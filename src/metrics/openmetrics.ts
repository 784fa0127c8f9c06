import type { MetricValue, Registry } from 'prom-client';

export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labels(set: Record<string, string | number | undefined>): string {
  const parts = Object.entries(set)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

type ValueWithExemplar = MetricValue<string> & {
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number } | null;
};

/**
 * Renders the registry as OpenMetrics 1.0, the only format that carries exemplars.
 * prom-client can produce it only from a registry switched wholly to OpenMetrics, which
 * renames counters in place and would break the classic format served to everyone else;
 * rendering from getMetricsAsJSON() leaves the registry untouched.
 */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const metrics = await registry.getMetricsAsJSON();
  const lines: string[] = [];
  for (const metric of metrics) {
    const type = String(metric.type);
    const family = type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name;
    lines.push(`# HELP ${family} ${escapeHelp(metric.help)}`);
    lines.push(
      `# TYPE ${family} ${type === 'summary' || type === 'histogram' ? type : type === 'counter' ? 'counter' : 'gauge'}`,
    );
    for (const raw of metric.values as ValueWithExemplar[]) {
      const name = type === 'counter' ? `${family}_total` : (raw.metricName ?? metric.name);
      let line = `${name}${labels(raw.labels)} ${number(raw.value)}`;
      if (raw.exemplar && raw.exemplar.labelSet && Object.keys(raw.exemplar.labelSet).length > 0) {
        line += ` # ${labels(raw.exemplar.labelSet)} ${number(raw.exemplar.value)} ${raw.exemplar.timestamp}`;
      }
      lines.push(line);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
