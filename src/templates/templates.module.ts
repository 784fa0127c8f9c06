import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { TemplateRenderer } from './template-renderer';
import { EMAIL_TEMPLATE_FAILURES_TOTAL } from './templates.constants';

/** Named email templates, rendered before queueing (see TemplateRenderer). */
@Module({
  providers: [
    TemplateRenderer,
    makeCounterProvider({
      name: EMAIL_TEMPLATE_FAILURES_TOTAL,
      help: 'Emails refused before queueing because their template could not be rendered, by reason (unknown_template, missing_variable, render).',
      labelNames: ['reason'],
    }),
  ],
  exports: [TemplateRenderer],
})
export class TemplatesModule {}
