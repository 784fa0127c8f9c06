import { HttpStatus, UnprocessableEntityException } from '@nestjs/common';
import type { TemplateFailureReason } from './templates.constants';

/** 422: the request is well formed but names a template, or omits a variable, we cannot use. */
export class TemplateRenderError extends UnprocessableEntityException {
  constructor(
    readonly reason: TemplateFailureReason,
    message: string,
  ) {
    super({ statusCode: HttpStatus.UNPROCESSABLE_ENTITY, error: 'Unprocessable Entity', message });
  }
}
