/** The process's pino logger (pino-options.ts). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
/** What AccessLog writes access lines for. */
export const ACCESS_LOG_OPTIONS = Symbol('ACCESS_LOG_OPTIONS');

export interface AccessLogOptions {
  enabled: boolean;
  /** Log probes and scrapes too (LOG_PROBES). */
  logProbes: boolean;
  /** Paths of probes and scrapes. */
  quietPaths: ReadonlySet<string>;
}

/** Kubernetes probes and Prometheus scrapes: a line every few seconds that says nothing. */
export const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'];
