import { Logger } from '@nestjs/common';

/**
 * Emails the redis driver cannot tell were sent once: a refusal (503) that may still be
 * delivered, or a job that may go out twice (re-run after a failover or a stalled lock).
 * Each is logged with its id and counted, for `email_possible_duplicates_total`.
 */
export class DuplicateFlags {
  private readonly logger = new Logger('RedisDeliveryQueue');
  /** Flagged since start (monotonic within the process). */
  count = 0;

  refused(emailId: string, why: string): void {
    this.count++;
    this.logger.warn({ msg: 'refused email may still be delivered', emailId, why });
  }

  twice(emailId: string | undefined, why: string): void {
    this.count++;
    this.logger.warn({ msg: 'email may be delivered twice', emailId, why });
  }
}
