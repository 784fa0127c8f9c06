import { ConfigValidationError, type Environment } from './env-reader';
import { parseAllConfig } from './namespaces';
import { productionProblems } from './production-checks';
import { checkAcrossNamespaces, unknownVariableWarnings } from './startup-checks';

/** Several variables are missing or invalid: each is named, once, in one message. */
export class ConfigValidationErrors extends Error {
  constructor(readonly problems: readonly ConfigValidationError[]) {
    super(
      problems.length === 1
        ? problems[0].message
        : `${problems.length} settings are missing or invalid: ` +
            problems.map((p) => p.message.replace(/^Invalid configuration: /, '')).join('; '),
    );
    this.name = 'ConfigValidationErrors';
  }
}

/**
 * Every invalid variable, not just the first (issue 25): parsing stops at the first bad one,
 * so each reported variable is removed and the rest parsed again (a bad value is then read
 * as unset, which is what a fix would leave at worst). A variable reported twice is a
 * production-only requirement: parsing goes on without NODE_ENV and productionProblems
 * reports those all at once. Bounded by the number of variables.
 */
function collectProblems(env: Environment): ConfigValidationError[] {
  const problems = new Map<string, ConfigValidationError>();
  let current: Record<string, string | undefined> = { ...env };
  for (let round = 0; round <= Object.keys(env).length + 1; round++) {
    try {
      const config = parseAllConfig(current);
      checkAcrossNamespaces(config);
      for (const problem of productionProblems(config, env)) {
        if (!problems.has(problem.variable)) problems.set(problem.variable, problem);
      }
      break;
    } catch (err) {
      if (!(err instanceof ConfigValidationError)) throw err;
      if (!problems.has(err.variable)) {
        problems.set(err.variable, err);
        current = { ...current, [err.variable]: undefined };
      } else if (current.NODE_ENV !== undefined) {
        current = { ...current, NODE_ENV: undefined };
      } else {
        break;
      }
    }
  }
  return [...problems.values()];
}

/**
 * Parses every namespace once, before Nest starts, so bad variables are reported in one line
 * by main.ts instead of a framework stack trace. Returns warnings worth a log line (likely
 * typos in variable names).
 */
export function validateEnvironment(env: Environment = process.env): string[] {
  const problems = collectProblems(env);
  if (problems.length > 0) throw new ConfigValidationErrors(problems);
  return unknownVariableWarnings(env);
}
