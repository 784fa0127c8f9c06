import { ConfigType, registerAs } from '@nestjs/config';
import { join, resolve } from 'node:path';
import { EnvReader } from './env-reader';

/** The built-in templates, copied next to the compiled code by nest-cli.json. */
export const BUILT_IN_TEMPLATES_DIR = join(__dirname, '..', 'mail', 'templates');

export const templatesConfig = registerAs('templates', () => {
  const env = new EnvReader();
  return {
    /** Folder of `<name>.hbs` templates usable as `template` in POST /send-email. */
    dir: resolve(env.string('TEMPLATES_DIR', BUILT_IN_TEMPLATES_DIR)),
  };
});

export type TemplatesConfig = ConfigType<typeof templatesConfig>;
