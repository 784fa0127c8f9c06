import { Inject, Injectable } from '@nestjs/common';
import type { MailerOptions } from '@nestjs-modules/mailer';
import { HandlebarsAdapter } from '@nestjs-modules/mailer/adapters/handlebars.adapter';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { readdirSync } from 'node:fs';
import type { Counter } from 'prom-client';
import { templatesConfig, type TemplatesConfig } from '../config/templates.config';
import { TemplateRenderError } from './template-error';
import {
  EMAIL_TEMPLATE_FAILURES_TOTAL,
  TEMPLATE_NAME,
  type TemplateFailureReason,
} from './templates.constants';

export interface RenderedTemplate {
  html: string;
}

/** Handlebars' strict-mode message: `"name" not defined in [object Object] - 1:8`. */
const MISSING_VARIABLE = /^"([^"]+)" not defined in/;

/**
 * Renders named Handlebars templates (TEMPLATES_DIR/<name>.hbs) through the mailer's
 * HandlebarsAdapter in strict mode, at submit time: a missing variable or an unknown name
 * becomes a 422 before anything is queued, and the queue only ever carries finished html.
 */
@Injectable()
export class TemplateRenderer {
  private readonly adapter = new HandlebarsAdapter(undefined, { inlineCssEnabled: false });
  private readonly options: MailerOptions;
  /** Read once at start-up: templates ship with the deployment, and a readdir per send is waste. */
  readonly names: ReadonlySet<string>;

  constructor(
    @Inject(templatesConfig.KEY) config: TemplatesConfig,
    @InjectMetric(EMAIL_TEMPLATE_FAILURES_TOTAL)
    private readonly failures: Counter<'reason'>,
  ) {
    this.options = { template: { dir: config.dir, options: { strict: true } } };
    this.names = new Set(
      readdirSync(config.dir)
        .filter((file) => file.endsWith('.hbs'))
        .map((file) => file.slice(0, -'.hbs'.length))
        .filter((name) => TEMPLATE_NAME.test(name)),
    );
  }

  render(name: string, context: Record<string, unknown> = {}): RenderedTemplate {
    if (!this.names.has(name)) {
      const known = [...this.names].sort().join(', ') || 'none';
      throw this.fail(
        'unknown_template',
        `template ${JSON.stringify(name)} does not exist (available: ${known})`,
      );
    }
    const mail = { data: { template: name, context } as { html?: unknown } };
    let failure: unknown;
    try {
      this.adapter.compile(mail, (err?: unknown) => (failure = err ?? failure), this.options);
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined || typeof mail.data.html !== 'string') {
      const message = failure instanceof Error ? failure.message : String(failure);
      const missing = MISSING_VARIABLE.exec(message);
      throw missing
        ? this.fail(
            'missing_variable',
            `template ${JSON.stringify(name)} needs variable ${JSON.stringify(missing[1])} in context`,
          )
        : this.fail('render', `template ${JSON.stringify(name)} could not be rendered`);
    }
    return { html: mail.data.html };
  }

  private fail(reason: TemplateFailureReason, message: string): TemplateRenderError {
    this.failures.inc({ reason });
    return new TemplateRenderError(reason, message);
  }
}
