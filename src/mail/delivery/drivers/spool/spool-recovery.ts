import type { Logger } from '@nestjs/common';
import type { LocalEntry, RecoveryReport } from '../local/email-store';
import { listIds } from '../local/local-delivery-queue';
import { entryFromRow } from './spool-row';
import type { SpoolStore } from './spool-store';

/**
 * Everything the previous owner left unfinished, in acceptance order. Rows still `sending`
 * had an attempt whose fate is unknown (the relay may have taken it): they go back to
 * `queued` and are reported as possible duplicates — at-least-once, never lost.
 */
export function recoverUnfinished(
  store: SpoolStore,
  logger: Logger,
): { entries: LocalEntry[]; report: RecoveryReport } {
  const rows = store.unfinished();
  const sending = rows.filter((row) => row.status === 'sending').map((row) => row.id);
  if (sending.length > 0) {
    store.transaction(() => store.unsend());
    logger.warn(
      `${sending.length} emails were being sent when the previous process stopped; they are sent again and may arrive twice (possible duplicates): ${listIds(sending)}`,
    );
  }
  if (rows.length > 0) {
    logger.log(`spool ${store.path}: recovered ${rows.length} unfinished emails`);
  }
  return {
    entries: rows.map(entryFromRow),
    report: { recovered: rows.length, possibleDuplicates: sending.length },
  };
}
