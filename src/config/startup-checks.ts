import { ConfigValidationError, KNOWN_VARIABLES, type Environment } from './env-reader';
import type { parseAllConfig } from './namespaces';

type ParsedConfig = ReturnType<typeof parseAllConfig>;

/** Checks across namespaces, run by validateEnvironment once every namespace has parsed. */
export function checkAcrossNamespaces(config: ParsedConfig): void {
  const { port } = config.app.value;
  const metrics = config.metrics.value;
  if (metrics.port !== undefined && metrics.port === port) {
    throw new ConfigValidationError(
      'METRICS_PORT',
      `must differ from PORT (both ${port}); unset METRICS_PORT to serve /metrics on PORT`,
    );
  }
  const ingress = config.ingress.value;
  const keyed = config.security.value.apiKeys.length > 0;
  if (ingress.port !== undefined && keyed && !ingress.tls && !ingress.allowInsecureAuth) {
    throw new ConfigValidationError(
      'SMTP_INGRESS_TLS_CERT',
      'and SMTP_INGRESS_TLS_KEY must be set when SMTP_INGRESS_PORT is: API keys are never accepted over cleartext (SMTP_INGRESS_ALLOW_INSECURE_AUTH=true only behind a TLS-terminating proxy or on loopback)',
    );
  }
}

/** Optimal string alignment distance: a swap of two neighbours (SMTP_ULR) counts once. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * "Did you mean" for variables nobody reads but that are one or two edits away from one we
 * do (SMTP_ULR, METRIC_PORT, smtp_url): a typo would otherwise fall back to a default
 * silently. Unrelated variables (PATH, HOSTNAME, Kubernetes service links) are far from all.
 */
export function unknownVariableWarnings(
  env: Environment = process.env,
  known: ReadonlySet<string> = KNOWN_VARIABLES,
): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name)) continue;
    const upper = name.toUpperCase();
    const budget = upper.length < 6 ? 1 : 2;
    let best: { name: string; distance: number } | undefined;
    for (const candidate of known) {
      const distance = editDistance(upper, candidate);
      if (distance <= budget && (!best || distance < best.distance)) {
        best = { name: candidate, distance };
      }
    }
    if (best) {
      warnings.push(
        `environment variable ${name} is not used by mailwatch; did you mean ${best.name}?`,
      );
    }
  }
  return warnings;
}
