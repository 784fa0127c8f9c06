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
export interface DeliveryError {
  code: FailureReason;
  /** The SMTP reply code, when the server answered. */
  smtpCode: number | null;
  message: string;
  /** Whether another attempt could succeed. */
  retryable: boolean;
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/**
 * Sorts an error from nodemailer (or the outbox's file system) into transient or permanent.
 * SMTP 4xx and network trouble are worth another attempt; SMTP 5xx is final (RFC 5321 §4.2.1).
 * Messages are built here rather than passed through: nodemailer's own texts can name the
 * relay's host and port, which callers must not see.
 */
export function classifyDeliveryError(error: unknown): DeliveryError {
  const err: NodemailerError = typeof error === 'object' && error !== null ? error : {};
  const smtpCode =
    typeof err.responseCode === 'number' && err.responseCode >= 200 && err.responseCode < 600
      ? err.responseCode
      : null;
  const reply = err.response ? oneLine(err.response) : undefined;

  if (smtpCode !== null && smtpCode >= 400 && smtpCode < 500) {
    return {
      code: 'deferred',
      smtpCode,
      message: `SMTP server deferred the message: ${reply ?? smtpCode}`,
      retryable: true,
    };
  }
  if (smtpCode !== null && smtpCode >= 500) {
    if (err.code === 'EAUTH') {
      return {
        code: 'auth',
        smtpCode,
        message: 'SMTP server rejected the configured credentials',
        retryable: false,
      };
    }
    return {
      code: 'rejected',
      smtpCode,
      message: `SMTP server rejected the message: ${reply ?? smtpCode}`,
      retryable: false,
    };
  }
  if (err.code === 'ETIMEDOUT' || /timed? ?out/i.test(err.message ?? '')) {
    return {
      code: 'timeout',
      smtpCode,
      message: 'SMTP server did not answer in time',
      retryable: true,
    };
  }
  if (err.code !== undefined && CONNECTION_CODES.has(err.code)) {
    return {
      code: 'connection',
      smtpCode,
      message: 'could not reach the SMTP server',
      retryable: true,
    };
  }
  if (err.code === 'EAUTH') {
    return {
      code: 'auth',
      smtpCode,
      message: 'SMTP authentication failed',
      retryable: false,
    };
  }
  if (err.code === 'EPROTOCOL') {
    return {
      code: 'protocol',
      smtpCode,
      message: 'SMTP server answered outside the protocol',
      retryable: true,
    };
  }
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE' || err.code === 'ESTREAM') {
    return {
      code: 'message',
      smtpCode,
      message: 'the message could not be built or has no valid recipients',
      retryable: false,
    };
  }
  return { code: 'unknown', smtpCode, message: 'delivery failed', retryable: true };
}
