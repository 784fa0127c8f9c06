import { CONFIG_NAMESPACES } from './namespaces';
import { checkAcrossNamespaces, unknownVariableWarnings } from './startup-checks';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace. Returns warnings worth a log line
 * (likely typos in variable names).
 */
export function validateEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  for (const load of CONFIG_NAMESPACES) load();
  checkAcrossNamespaces(env);
  return unknownVariableWarnings(env);
}
