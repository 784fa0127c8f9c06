import { DeliveryError, type FailureReason } from '../../delivery/delivery-error';
import type { SmtpReply } from './smtp-reply';

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

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

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

/** A reply that is not what the stage needed: 4xx is transient, 5xx final (RFC 5321 §4.2.1). */
export function replyError(stage: SmtpStage, reply: SmtpReply): SmtpDeliveryError {
  const text = oneLine(`${reply.code} ${reply.lines.join(' ')}`);
  if (stage === 'auth' && reply.code >= 500) {
    return new SmtpDeliveryError(
      'auth',
      reply.code,
      'SMTP server rejected the configured credentials',
      false,
      stage,
    );
  }
  if (reply.code >= 400 && reply.code < 500) {
    return new SmtpDeliveryError(
      'deferred',
      reply.code,
      `SMTP server deferred the message at ${stage}: ${text}`,
      true,
      stage,
    );
  }
  if (reply.code >= 500 && reply.code < 600) {
    // A refused greeting or EHLO says nothing about this message, and a different pod or a
    // later attempt may fare better; a refused envelope or body is about the message.
    const aboutMessage =
      stage === 'mail' || stage === 'rcpt' || stage === 'data' || stage === 'message';
    return new SmtpDeliveryError(
      aboutMessage ? 'rejected' : 'protocol',
      reply.code,
      `SMTP server rejected the ${aboutMessage ? 'message' : 'session'} at ${stage}: ${text}`,
      !aboutMessage,
      stage,
    );
  }
  return new SmtpDeliveryError(
    'protocol',
    reply.code,
    `SMTP server answered ${reply.code} at ${stage}, outside the protocol`,
    true,
    stage,
  );
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
