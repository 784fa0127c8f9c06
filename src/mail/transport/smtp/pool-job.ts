import type { BuiltMessage } from './message-builder';
import type { SmtpDeliveryError } from './smtp-error';
import type { SmtpSession } from './smtp-session';
import type { TransactionResult } from './smtp-transaction';

/** One send waiting in, or running through, the pool. */
export interface Job {
  message: BuiltMessage;
  resolve(result: TransactionResult): void;
  reject(error: SmtpDeliveryError): void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  session?: SmtpSession;
  /** `body` once the whole message was written: from then on a lost reply may be a duplicate. */
  phase: 'queued' | 'envelope' | 'body';
  /** Its envelope went out right behind the previous message, before that one's reply. */
  overlapped: boolean;
  /** Already moved once off a connection the server had closed while it sat idle. */
  staleRetried: boolean;
}

/** Counters since the pool started (the engine's own, not yet Prometheus metrics). */
export interface PoolStats {
  sent: number;
  failed: number;
  /** Sends whose connection died after the whole message was written (may be duplicates). */
  possibleDuplicates: number;
  connects: number;
  connectFailures: number;
}
