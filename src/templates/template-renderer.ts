import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { templatesConfig, type TemplatesConfig } from '../config/templates.config';
import { loadTemplates, type CompiledTemplates } from './template-loader';
import { TemplateRenderError } from './template-error';
import { EMAIL_TEMPLATE_FAILURES_TOTAL, type TemplateFailureReason } from './templates.constants';

export interface RenderedTemplate {
  html: string;
}

/** Handlebars' strict-mode message: `"name" not defined in [object Object] - 1:8`. */
const MISSING_VARIABLE = /^"([^"]+)" not defined in/;

/**
 * Renders named Handlebars templates (TEMPLATES_DIR/<name>.hbs) with `handlebars` itself in
 * strict mode, at submit time: a missing variable or an unknown name becomes a 422 before
 * anything is queued, and the queue only ever carries finished html. (The mailer's
 * HandlebarsAdapter is not used: it loads a native CSS-inlining binding even with inlining
 * off, which keeps the optional dependencies in the production install.)
 */
@Injectable()
export class TemplateRenderer {
  private readonly templates: CompiledTemplates;
  /** Read once at start-up: templates ship with the deployment, and a readdir per send is waste. */
  readonly names: ReadonlySet<string>;

  constructor(
    @Inject(templatesConfig.KEY) config: TemplatesConfig,
    @InjectMetric(EMAIL_TEMPLATE_FAILURES_TOTAL)
    private readonly failures: Counter<'reason'>,
  ) {
    this.templates = loadTemplates(config.dir);
    this.names = new Set(this.templates.keys());
  }

  render(name: string, context: Record<string, unknown> = {}): RenderedTemplate {
    const template = this.templates.get(name);
    if (!template) {
      const known = [...this.names].sort().join(', ') || 'none';
      throw this.fail(
        'unknown_template',
        `template ${JSON.stringify(name)} does not exist (available: ${known})`,
      );
    }
    try {
      return { html: template(context) };
    } catch (err) {
      const missing = MISSING_VARIABLE.exec(err instanceof Error ? err.message : String(err));
      throw missing
        ? this.fail(
            'missing_variable',
            `template ${JSON.stringify(name)} needs variable ${JSON.stringify(missing[1])} in context`,
          )
        : this.fail('render', `template ${JSON.stringify(name)} could not be rendered`);
    }
  }

  private fail(reason: TemplateFailureReason, message: string): TemplateRenderError {
    this.failures.inc({ reason });
    return new TemplateRenderError(reason, message);
  }
}
