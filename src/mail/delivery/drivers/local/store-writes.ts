import type { Logger } from '@nestjs/common';
import type { EmailStore } from './email-store';

/** A settled email as reported, and its write: false when the store closed first. */
export interface SettledNote {
  status: 'sent' | 'failed';
  messageId?: string;
  stored: Promise<boolean>;
}

/** Pause before retrying a store write that failed (disk full, I/O error). */
export const WRITE_RETRY_MS = 1_000;
/** At most one log line per this period about failing store writes. */
const WRITE_ERROR_LOG_MS = 10_000;

/** Store writes of the delivery loop: retried while the store refuses, logged sparingly. */
export class StoreWrites {
  private lastErrorLog = 0;

  constructor(
    private readonly store: EmailStore,
    private readonly logger: Logger,
  ) {}

  /** Stores a final outcome, retrying while the store refuses; false once it closed. */
  async persist(write: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await write();
        return true;
      } catch (err) {
        if (!this.store.isOpen) return false;
        this.failed(err);
        await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS).unref());
      }
    }
  }

  failed(err: unknown): void {
    if (!this.store.isOpen || Date.now() - this.lastErrorLog < WRITE_ERROR_LOG_MS) return;
    this.lastErrorLog = Date.now();
    this.logger.error(
      `${this.store.name} write failed, retrying every ${WRITE_RETRY_MS} ms: ${String(err)}`,
    );
  }
}
