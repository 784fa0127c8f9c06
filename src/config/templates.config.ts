import { ConfigType, registerAs } from '@nestjs/config';
import { join, resolve } from 'node:path';
import { EnvReader, type Environment } from './env-reader';

/** The built-in templates, copied next to the compiled code by nest-cli.json. */
export const BUILT_IN_TEMPLATES_DIR = join(__dirname, '..', 'mail', 'templates');

/** The `templates` namespace from an environment; pure, so tests pass an object. */
export function parseTemplatesConfig(source: Environment) {
  const env = new EnvReader(source);
  return {
    /** Folder of `<name>.hbs` templates usable as `template` in POST /send-email. */
    dir: resolve(env.string('TEMPLATES_DIR', BUILT_IN_TEMPLATES_DIR)),
  };
}

export const templatesConfig = registerAs('templates', () => parseTemplatesConfig(process.env));

export type TemplatesConfig = ConfigType<typeof templatesConfig>;
