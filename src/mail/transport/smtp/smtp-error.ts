import { DeliveryError, type FailureReason } from '../../delivery/delivery-error';

/** Where in the conversation an error happened; part of the message, never a label. */
export type SmtpStage =
  | 'connect'
  | 'tls'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'message'
  | 'rset'
  | 'pool';

/**
 * A failed send, already classified in the delivery layer's vocabulary, so nothing above
 * the transport needs to know how SMTP or sockets fail. Messages never carry the relay's
 * host, port or credentials.
 */
export class SmtpDeliveryError extends DeliveryError {
  constructor(
    code: FailureReason,
    smtpCode: number | null,
    message: string,
    retryable: boolean,
    readonly stage: SmtpStage,
    /**
     * The connection was lost after the whole message was sent and before the server
     * answered: the relay may have accepted it, so a retry can deliver it twice.
     */
    readonly possibleDuplicate = false,
  ) {
    super(code, message, retryable, smtpCode);
    this.name = 'SmtpDeliveryError';
  }
}

export function connectionLost(stage: SmtpStage, afterData: boolean): SmtpDeliveryError {
  return new SmtpDeliveryError(
    'connection',
    null,
    afterData
      ? 'connection to the SMTP server was lost after the message was sent; it may have been accepted (possible duplicate on retry)'
      : `connection to the SMTP server was lost at ${stage}`,
    true,
    stage,
    afterData,
  );
}

export function timedOut(stage: SmtpStage, afterData: boolean): SmtpDeliveryError {
  return new SmtpDeliveryError(
    'timeout',
    null,
    afterData
      ? 'SMTP server did not confirm the message in time; it may have been accepted (possible duplicate on retry)'
      : `SMTP server did not answer in time at ${stage}`,
    true,
    stage,
    afterData,
  );
}

export function unreachable(cause: 'refused' | 'tls' | 'other'): SmtpDeliveryError {
  const message =
    cause === 'tls'
      ? 'TLS with the SMTP server failed (certificate not trusted or handshake refused)'
      : 'could not reach the SMTP server';
  return new SmtpDeliveryError(
    'connection',
    null,
    message,
    true,
    cause === 'tls' ? 'tls' : 'connect',
  );
}

export function protocolError(stage: SmtpStage, what: string): SmtpDeliveryError {
  return new SmtpDeliveryError('protocol', null, `SMTP ${what} at ${stage}`, true, stage);
}

export function messageError(what: string): SmtpDeliveryError {
  return new SmtpDeliveryError('message', null, what, false, 'message');
}

const NO_8BITMIME = 'message has 8-bit content and the SMTP server does not offer 8BITMIME';

/** 8-bit content for a server without 8BITMIME: the engine rebuilds what it chose to send 8bit. */
export function no8BitMime(): SmtpDeliveryError {
  return messageError(NO_8BITMIME);
}

export function isNo8BitMime(err: unknown): boolean {
  return err instanceof SmtpDeliveryError && err.message === NO_8BITMIME;
}
