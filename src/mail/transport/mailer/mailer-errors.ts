import { DeliveryError } from '../../delivery/delivery-error';

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
 * Sorts an error from nodemailer (SMTP pool or stream transport) into transient or permanent.
 * SMTP 4xx and network trouble are worth another attempt; SMTP 5xx is final (RFC 5321 §4.2.1).
 * Messages are built here rather than passed through: nodemailer's own texts can name the
 * relay's host and port, which callers must not see.
 */
export function classifyMailerError(error: unknown): DeliveryError {
  const err: NodemailerError = typeof error === 'object' && error !== null ? error : {};
  const smtpCode =
    typeof err.responseCode === 'number' && err.responseCode >= 200 && err.responseCode < 600
      ? err.responseCode
      : null;
  const reply = err.response ? oneLine(err.response) : undefined;

  if (smtpCode !== null && smtpCode >= 400 && smtpCode < 500) {
    return new DeliveryError(
      'deferred',
      `SMTP server deferred the message: ${reply ?? smtpCode}`,
      true,
      smtpCode,
    );
  }
  if (smtpCode !== null && smtpCode >= 500) {
    if (err.code === 'EAUTH') {
      return new DeliveryError(
        'auth',
        'SMTP server rejected the configured credentials',
        false,
        smtpCode,
      );
    }
    return new DeliveryError(
      'rejected',
      `SMTP server rejected the message: ${reply ?? smtpCode}`,
      false,
      smtpCode,
    );
  }
  if (err.code === 'ETIMEDOUT' || /timed? ?out/i.test(err.message ?? '')) {
    return new DeliveryError('timeout', 'SMTP server did not answer in time', true, smtpCode);
  }
  if (err.code !== undefined && CONNECTION_CODES.has(err.code)) {
    return new DeliveryError('connection', 'could not reach the SMTP server', true, smtpCode);
  }
  if (err.code === 'EAUTH') {
    return new DeliveryError('auth', 'SMTP authentication failed', false, smtpCode);
  }
  if (err.code === 'EPROTOCOL') {
    return new DeliveryError(
      'protocol',
      'SMTP server answered outside the protocol',
      true,
      smtpCode,
    );
  }
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE' || err.code === 'ESTREAM') {
    return new DeliveryError(
      'message',
      'the message could not be built or has no valid recipients',
      false,
      smtpCode,
    );
  }
  return new DeliveryError('unknown', 'delivery failed', true, smtpCode);
}
