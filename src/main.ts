import { earlyLogFormat, nodeVersionProblem } from './config/runtime';
import { fatalLine } from './logging/fatal-line';

// The entry point imports only the two import-free modules above: the version check must run
// before Nest, the spool (`node:sqlite`) or anything else is loaded (issue 25).
const problem = nodeVersionProblem(process.versions.node);
if (problem === undefined) {
  void import('./serve');
} else {
  process.stderr.write(fatalLine(problem, earlyLogFormat()));
  process.exitCode = 1;
}
