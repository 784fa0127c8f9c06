import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { appConfig } from './config/app.config';
import { ConfigValidationError } from './config/env-reader';
import { validateEnvironment } from './config/validate-all';
import type { DeliveryQueue } from './mail/delivery/drivers/delivery-queue';
import { DELIVERY_QUEUE } from './mail/mail.constants';

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

  await app.listen(config.port, config.host);
  logger.log(`mailwatch listening on http://${config.host}:${config.port}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `mailwatch failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
