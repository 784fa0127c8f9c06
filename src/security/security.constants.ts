/** Routes that answer without an API key and are never rate limited: probes and scrapes. */
export const UNGUARDED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** DI token of the ThrottlerStorage chosen by QUEUE_DRIVER. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** Routes that check their own credentials: the status page (API key or HTTP Basic). */
export const SELF_AUTHENTICATED_ROUTES: ReadonlySet<string> = new Set(['/status', '/status/data']);
