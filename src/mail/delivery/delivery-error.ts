/** Why a delivery attempt failed: a small fixed set, used as a metric label. */
export const FAILURE_REASONS = [
  'rejected',
  'deferred',
  'connection',
  'timeout',
  'auth',
  'protocol',
  'message',
  'template',
  'unknown',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A failed attempt as callers and operators see it. Never holds hostnames or credentials. */
export interface DeliveryErrorInfo {
  code: FailureReason;
  /** The SMTP reply code, when the server answered. */
  smtpCode: number | null;
  message: string;
  /** Whether another attempt could succeed. */
  retryable: boolean;
  /** Which relay gave this answer, when the transport has several (its `relay` label). */
  relay?: string;
}

/**
 * What a MailTransport rejects with: a failure already sorted into the vocabulary above by
 * the transport that knows its client library. Anything else a transport throws is treated
 * as `unknown` and retryable (see toDeliveryError).
 */
export class DeliveryError extends Error implements DeliveryErrorInfo {
  constructor(
    readonly code: FailureReason,
    message: string,
    readonly retryable: boolean,
    readonly smtpCode: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }

  /** Set by a transport with several relays (DeliveryErrorInfo.relay). */
  relay?: string;

  /** The plain shape stored with the email and shown by GET /emails/:id. */
  toInfo(): DeliveryErrorInfo {
    return {
      code: this.code,
      smtpCode: this.smtpCode,
      message: this.message,
      retryable: this.retryable,
      ...(this.relay === undefined ? {} : { relay: this.relay }),
    };
  }
}

/** A transport's rejection as the delivery pipeline sees it. */
export function toDeliveryError(error: unknown): DeliveryError {
  return error instanceof DeliveryError
    ? error
    : new DeliveryError('unknown', 'delivery failed', true);
}
