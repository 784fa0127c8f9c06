import type { Environment } from './env-reader';
import { parseAllConfig } from './namespaces';
import { checkAcrossNamespaces, unknownVariableWarnings } from './startup-checks';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace. Returns warnings worth a log line
 * (likely typos in variable names).
 */
export function validateEnvironment(env: Environment = process.env): string[] {
  const config = parseAllConfig(env);
  checkAcrossNamespaces(config, env);
  return unknownVariableWarnings(env);
}
