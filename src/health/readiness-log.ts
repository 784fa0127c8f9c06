import { HttpException, Logger } from '@nestjs/common';

/**
 * Readiness changes, logged once each as structured fields: "not ready" (warn, with the
 * failing checks' messages) when /readyz starts failing, "ready again" (with how long it was
 * down) when it passes again. A probe every few seconds during an outage logs nothing more.
 */
export class ReadinessLog {
  private readonly logger = new Logger('Readiness');
  private downSince?: number;

  ready(): void {
    if (this.downSince === undefined) return;
    const downSeconds = Math.round((Date.now() - this.downSince) / 100) / 10;
    this.downSince = undefined;
    this.logger.log({ msg: 'ready again', downSeconds });
  }

  notReady(err: unknown): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn({ msg: 'not ready', checks: failingChecks(err) });
  }
}

/** `{ name: message }` of the checks that failed, from terminus's 503 body. */
function failingChecks(err: unknown): Record<string, string> {
  const body = err instanceof HttpException ? err.getResponse() : undefined;
  const failed = (body as { error?: Record<string, { message?: unknown }> } | undefined)?.error;
  const checks: Record<string, string> = {};
  for (const [name, detail] of Object.entries(failed ?? {})) {
    checks[name] = typeof detail?.message === 'string' ? detail.message : 'down';
  }
  return checks;
}
