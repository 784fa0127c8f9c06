import { CONFIG_NAMESPACES } from './namespaces';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace.
 */
export function validateEnvironment(): void {
  for (const load of CONFIG_NAMESPACES) load();
}
