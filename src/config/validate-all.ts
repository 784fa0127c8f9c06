import type { Environment } from './env-reader';
import { parseAllConfig } from './namespaces';

/**
 * Parses every namespace once, before Nest starts, so a bad variable is reported as one
 * line by main.ts instead of a framework stack trace.
 */
export function validateEnvironment(env: Environment = process.env): void {
  parseAllConfig(env);
}
