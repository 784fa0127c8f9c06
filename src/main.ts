import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { appConfig } from './config/app.config';
import { ConfigValidationError } from './config/env-reader';
import { validateEnvironment } from './config/validate-all';
import type { DeliveryQueue } from './mail/delivery/drivers/delivery-queue';
import { SpoolOpenError } from './mail/delivery/drivers/spool/spool-errors';
import { DELIVERY_QUEUE } from './mail/mail.constants';

/** Closing after the drain (connections, the spool's last sends): the documented bound. */
const SHUTDOWN_CLOSE_MS = 5_000;

async function main(): Promise<void> {
  try {
    validateEnvironment();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const config = appConfig();
  const app = await createApp();
  const logger = new Logger('Main');

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

  await app.listen(config.port, config.host);
  logger.log(`mailwatch listening on http://${config.host}:${config.port}`);
}

main().catch((err: unknown) => {
  // An operator's problem (spool locked, corrupt, read-only…) is one line; a bug keeps its stack.
  const detail = err instanceof SpoolOpenError || !(err instanceof Error) ? '' : `\n${err.stack}`;
  process.stderr.write(
    `mailwatch failed to start: ${String((err as Error)?.message ?? err)}${detail}\n`,
  );
  process.exit(1);
});
