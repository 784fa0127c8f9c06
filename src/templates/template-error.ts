import { HttpStatus, UnprocessableEntityException } from '@nestjs/common';
import { errorBody, type ErrorCode } from '../core/error-body';
import type { TemplateFailureReason } from './templates.constants';

const CODES: Record<TemplateFailureReason, ErrorCode> = {
  unknown_template: 'template_unknown',
  missing_variable: 'template_variable_missing',
  render: 'template_render_failed',
};

/** 422: the request is well formed but names a template, or omits a variable, we cannot use. */
export class TemplateRenderError extends UnprocessableEntityException {
  constructor(
    readonly reason: TemplateFailureReason,
    message: string,
  ) {
    super(errorBody(HttpStatus.UNPROCESSABLE_ENTITY, CODES[reason], message));
  }
}
