import ts from 'typescript';
import { repoPath } from './manifests';

/**
 * Type-checks a dashboard JSON text against `Dashboard` from @grafana/schema (Grafana's own
 * generated types) with the TypeScript compiler: the JSON becomes an object literal, so
 * unknown fields (excess properties), wrong types and missing required fields all fail.
 * Grafana's string enums (ThresholdsMode …) are relaxed to their string values, which is
 * what a JSON file can hold. Returns the compiler's messages, empty when it conforms.
 */
export function grafanaSchemaErrors(dashboardJson: string): string[] {
  const file = repoPath('test', '__dashboard_typecheck__.ts');
  const source = [
    "import type { Dashboard } from '@grafana/schema';",
    'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined',
    '  ? T : T extends readonly (infer U)[] ? Json<U>[]',
    '  : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    `export const dashboard: Json<Dashboard> = ${dashboardJson};`,
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFromDisk = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : readFromDisk(name, language, ...rest);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - 3
        : -1;
    return `JSON line ${line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}
