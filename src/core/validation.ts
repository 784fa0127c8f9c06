import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type FieldError } from './error-body';

export type { FieldError };

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent === ''
        ? error.property
        : `${parent}.${error.property}`;
    if (error.constraints) {
      result.push({ field, messages: Object.values(error.constraints) });
    }
    if (error.children?.length) result.push(...flattenValidationErrors(error.children, field));
  }
  return result;
}

/**
 * The global pipe: DTO whitelisting (unknown properties are an error, not silently
 * dropped) and one error shape naming every bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const message = `invalid request: ${fields.map((f) => f.field).join(', ')}`;
      return new ApiError(400, 'validation_failed', message, fields);
    },
  });
}
