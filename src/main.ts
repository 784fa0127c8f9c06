import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { appConfig } from './config/app.config';
import { ConfigValidationError } from './config/env-reader';
import { templatesConfig } from './config/templates.config';
import { validateEnvironment } from './config/validate-all';
import type { DeliveryQueue } from './mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from './mail/mail.constants';
import { loadTemplates, TemplateLoadError } from './templates/template-loader';

/** Every start-up failure is one line on stderr naming what to fix, and exit code 1. */
function fail(message: string): never {
  process.stderr.write(`mailwatch failed to start: ${message}\n`);
  process.exit(1);
}

/** Configuration and the template folder, checked before Nest starts (no framework trace). */
function preflight(): string[] {
  try {
    const warnings = validateEnvironment();
    loadTemplates(templatesConfig().dir);
    return warnings;
  } catch (err) {
    if (err instanceof ConfigValidationError || err instanceof TemplateLoadError) fail(err.message);
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
  // queue must be drained before app.close() starts.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(
      `${signal} received: draining the delivery queue (up to ${config.shutdownDrainMs} ms)`,
    );
    const report = await app.get<DeliveryQueue>(DELIVERY_QUEUE).drain(config.shutdownDrainMs);
    await app.close();
    logger.log(
      report.timedOut
        ? `stopped with ${report.remaining} emails undelivered`
        : 'stopped: every accepted email was resolved',
    );
    process.exit(report.timedOut ? 1 : 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void stop(signal));
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
  logger.log(`mailwatch listening on http://${config.host}:${config.port}`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
