import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

export const CLIENT_ID_HEADER = 'x-client-id';
/** The client of a caller that named none: a label value like any other. */
export const UNKNOWN_CLIENT = 'unknown';
const MAX_CLIENT_ID_LENGTH = 64;

/** Who is calling and since when, as the ClientInterceptor (or auth) found it. */
export interface CallerContext {
  client: string;
  /** performance.now() when the request reached the handler chain: an email's clock starts here. */
  startedAt: number;
  /** The request id (X-Request-ID or generated), carried to the email's outcome log line. */
  requestId?: string;
  /**
   * Operator scope (OPERATOR_CLIENTS): may see and act on every client's emails. Set by the
   * ApiKeyGuard from the key's client; a client key only ever sees its own client.
   */
  operator?: boolean;
}

export interface RequestWithCaller {
  headers: Record<string, string | string[] | undefined>;
  /** Fastify's request id (genReqId: X-Request-ID or a UUID). */
  id?: string;
  /** Set by authentication when API keys are configured; wins over X-Client-ID. */
  authenticatedClient?: string;
  /** Set by the ApiKeyGuard: the caller's client is listed in OPERATOR_CLIENTS. */
  operator?: boolean;
  caller?: CallerContext;
}

/**
 * X-Client-ID is caller-typed text that ends up in logs and (bounded) metric labels: keep
 * letters, digits, `.`, `_`, `-`, cap the length, and call an empty one `unknown`.
 */
export function sanitizeClientId(raw: string | string[] | undefined): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return UNKNOWN_CLIENT;
  const cleaned = value
    .trim()
    .slice(0, MAX_CLIENT_ID_LENGTH)
    .replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' ? UNKNOWN_CLIENT : cleaned;
}

export function resolveClient(request: RequestWithCaller): string {
  return request.authenticatedClient ?? sanitizeClientId(request.headers[CLIENT_ID_HEADER]);
}

/** The caller of this request; works with or without the interceptor having run. */
export const Caller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): CallerContext => {
    const request = ctx.switchToHttp().getRequest<RequestWithCaller>();
    return (request.caller ??= {
      client: resolveClient(request),
      startedAt: performance.now(),
      requestId: request.id,
      operator: request.operator === true,
    });
  },
);
