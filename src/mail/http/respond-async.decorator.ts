import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** RFC 7240: whether `Prefer: respond-async` asks for 202 without waiting. */
export function wantsAsync(prefer: string | string[] | undefined): boolean {
  const value = Array.isArray(prefer) ? prefer.join(',') : prefer;
  return value !== undefined && /(^|[,\s])respond-async\b/i.test(value);
}

/** `true` when the request carries `Prefer: respond-async`. */
export const RespondAsync = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  wantsAsync(
    ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>()
      .headers.prefer,
  ),
);
