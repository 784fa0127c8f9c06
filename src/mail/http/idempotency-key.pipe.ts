import {
  BadRequestException,
  createParamDecorator,
  Injectable,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The Idempotency-Key header: absent, or 1 to 255 characters. */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<string | undefined> {
  transform(value: string | undefined): string | undefined {
    if (value !== undefined && (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new BadRequestException(
        `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      );
    }
    return value;
  }
}

/** One request header's value (the first, if repeated). Nest's @Headers() takes no pipes. */
const HeaderValue = createParamDecorator((name: string, ctx: ExecutionContext) => {
  const value = ctx
    .switchToHttp()
    .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[name];
  return Array.isArray(value) ? value[0] : value;
});

/** The checked Idempotency-Key header of this request (see IdempotencyKeyPipe). */
export const IdempotencyKey = (): ParameterDecorator =>
  HeaderValue('idempotency-key', IdempotencyKeyPipe);
