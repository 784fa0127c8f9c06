import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { createApp } from './bootstrap';
import { appConfig } from './config/app.config';
import { queueConfig } from './config/queue.config';
import { earlyLogFormat } from './config/runtime';
import { templatesConfig } from './config/templates.config';
import { ConfigValidationErrors, validateEnvironment } from './config/validate-all';
import { fatalLine } from './logging/fatal-line';
import type { DeliveryQueue } from './mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from './mail/mail.constants';
import { loadTemplates, TemplateLoadError } from './templates/template-loader';

/** Closing after the drain (connections, the spool's last sends): the documented bound. */
const SHUTDOWN_CLOSE_MS = 5_000;

/**
 * Every start-up failure is one line on stderr naming what to fix (JSON like every other
 * line, unless LOG_FORMAT=pretty), and exit code 1.
 */
function fail(message: string, fields: Record<string, unknown> = {}): never {
  process.stderr.write(fatalLine(message, earlyLogFormat(), fields));
  process.exit(1);
}

/** Configuration and the template folder, checked before Nest starts (no framework trace). */
function preflight(): string[] {
  try {
    const warnings = validateEnvironment();
    loadTemplates(templatesConfig().dir);
    return warnings;
  } catch (err) {
    if (err instanceof ConfigValidationErrors) {
      fail(err.message, { variables: err.problems.map((problem) => problem.variable) });
    }
    if (err instanceof TemplateLoadError) fail(err.message);
    throw err;
  }
}

async function main(): Promise<void> {
  const warnings = preflight();
  const config = appConfig();
  const app = await createApp();
  const logger = new Logger('Main');
  for (const warning of warnings) logger.warn(warning);

  // Shutdown is ours rather than enableShutdownHooks(): the mailer closes its SMTP pool in
  // onModuleDestroy, which Nest runs before any beforeApplicationShutdown hook, so the
  // queue must be drained before app.close() starts. It is bounded whatever Redis or the
  // relay do: SHUTDOWN_DRAIN_MS for the drain, then SHUTDOWN_CLOSE_MS for closing; past that
  // the process exits anyway (what is unfinished stays in the spool/Redis, or was logged by
  // id by the memory driver). A second signal exits at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    // Backstop for a drain that does not keep its own bound.
    const bound = config.shutdownDrainMs + SHUTDOWN_CLOSE_MS + 1_000;
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${bound} ms; exiting`);
      process.exit(1);
    }, bound).unref();
    logger.log(
      `${signal} received: draining the delivery queue (up to ${config.shutdownDrainMs} ms)`,
    );
    const report = await app.get<DeliveryQueue>(DELIVERY_QUEUE).drain(config.shutdownDrainMs);
    let closeTimer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      app.close().then(() => true),
      new Promise<boolean>(
        (resolve) => (closeTimer = setTimeout(resolve, SHUTDOWN_CLOSE_MS, false)),
      ),
    ]);
    clearTimeout(closeTimer);
    if (!closed) logger.warn(`closing took longer than ${SHUTDOWN_CLOSE_MS} ms; exiting anyway`);
    if (!report.timedOut) logger.log('stopped: every accepted email was resolved');
    else if (report.kept)
      logger.log(`stopped with ${report.remaining} emails kept for later delivery`);
    else logger.error(`stopped with ${report.remaining} emails undelivered`);
    process.exit(report.timedOut && !report.kept ? 1 : 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void stop(signal));
  }

  try {
    // Fastify's own listen after init: Nest's app.listen() would also log the bind error as
    // a second line, without naming the variable.
    await app.init();
    await app.getHttpAdapter().getInstance().listen({ port: config.port, host: config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      fail(`PORT ${config.port} cannot be bound on HOST ${config.host} (${code})`);
    }
    throw err;
  }
  // Start-up lines were buffered for the JSON logger (bufferLogs); app.listen() would flush.
  app.flushLogs();
  logger.log(listeningLine(config));
}

/**
 * The last start-up line says where mail waits (issue 25): the queue driver and its spool
 * file or Redis (never its credentials), as text and, in JSON, as fields too.
 */
function listeningLine(config: ReturnType<typeof appConfig>): string | Record<string, string> {
  const queue = queueConfig();
  const store: Record<string, string> =
    queue.driver === 'spool'
      ? { spoolPath: resolve(queue.spoolPath) }
      : queue.driver === 'redis'
        ? { redis: queue.redisDisplayName, redisPrefix: queue.redisPrefix }
        : {};
  const where = Object.values(store)[0];
  const msg = `mailwatch listening on http://${config.host}:${config.port}; queue ${queue.driver}${where ? ` (${where})` : ''}`;
  return earlyLogFormat() === 'json' ? { msg, queueDriver: queue.driver, ...store } : msg;
}

// Every start-up failure is one line (issue 14): a port clash, a locked or corrupt spool, a
// bad file. The message names what to fix; LOG_LEVEL=debug is not needed to read it.
main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
