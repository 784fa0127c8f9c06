import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_NAME } from './templates.constants';

export type CompiledTemplates = ReadonlyMap<string, Handlebars.TemplateDelegate>;

/** A template folder that cannot be used; the message names TEMPLATES_DIR and the file. */
export class TemplateLoadError extends Error {
  constructor(message: string) {
    super(`Invalid configuration: TEMPLATES_DIR ${message}`);
    this.name = 'TemplateLoadError';
  }
}

/**
 * Reads and compiles every `<name>.hbs` in `dir`, in a Handlebars environment of its own
 * (no helpers or partials leak in from other code). Compiling here, not on first use, turns
 * a syntax error into a start-up failure instead of a 422 on somebody's first send.
 */
export function loadTemplates(dir: string): CompiledTemplates {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TemplateLoadError(`is not a readable folder (${code}: ${dir})`);
  }
  const handlebars = Handlebars.create();
  const templates = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of files.filter((f) => f.endsWith('.hbs')).sort()) {
    const name = file.slice(0, -'.hbs'.length);
    if (!TEMPLATE_NAME.test(name)) continue;
    try {
      const source = readFileSync(join(dir, file), 'utf8');
      // precompile() parses eagerly; compile() alone would defer syntax errors to first use.
      handlebars.precompile(source, { strict: true });
      templates.set(name, handlebars.compile(source, { strict: true }));
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
      throw new TemplateLoadError(`holds ${file}, which cannot be used: ${reason}`);
    }
  }
  return templates;
}
