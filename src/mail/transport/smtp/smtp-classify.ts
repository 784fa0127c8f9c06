import { ChannelFault } from './smtp-channel';
import {
  connectionLost,
  protocolError,
  SmtpDeliveryError,
  timedOut,
  unreachable,
  type SmtpStage,
} from './smtp-error';
import type { SmtpReply } from './smtp-reply';

/**
 * How the engine reads what the relay (or the network) did: every reply, fault and timeout
 * becomes one SmtpDeliveryError in the delivery layer's vocabulary, and these rules decide
 * which relay state and which failover follow. The table is in docs/delivery-engine.md.
 */

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
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

/** Maps a channel fault at some stage to a classified error. */
export function faultError(err: unknown, stage: SmtpStage, afterData = false): SmtpDeliveryError {
  if (err instanceof SmtpDeliveryError) return err;
  if (err instanceof ChannelFault) {
    const goodbye = err.partial.find((r) => r.code === 421);
    if (goodbye) return replyError(stage, goodbye);
    if (err.kind === 'timeout') return timedOut(stage, afterData);
    if (err.kind === 'garbage') return protocolError(stage, 'server sent an unreadable reply');
    if (err.kind === 'tls') return unreachable('tls');
    return connectionLost(stage, afterData);
  }
  return protocolError(stage, 'unexpected failure');
}

export interface RejectedRecipient {
  address: string;
  smtpCode: number;
}

/**
 * Partial acceptance (README, "Partial acceptance"): recipients refused with 5xx are
 * reported and dropped while the others get the message, because retrying cannot help them
 * and would duplicate it for the rest. If any recipient is deferred (4xx) nothing is sent:
 * the whole email is retried later, so no recipient gets it twice and none is silently lost.
 */
export function judgeRecipients(addresses: string[], replies: SmtpReply[]) {
  const accepted: string[] = [];
  const rejected: RejectedRecipient[] = [];
  let deferred: SmtpReply | undefined;
  let refused: SmtpReply | undefined;
  replies.forEach((reply, i) => {
    if (reply.code >= 200 && reply.code < 300) accepted.push(addresses[i]);
    else if (reply.code >= 400 && reply.code < 500) deferred ??= reply;
    else {
      refused ??= reply;
      rejected.push({ address: addresses[i], smtpCode: reply.code });
    }
  });
  const failure = deferred ?? (accepted.length === 0 ? refused : undefined);
  return { accepted, rejected, failure };
}

/**
 * Why a relay counts as down, from the error that opening a session met: `stalled` when it
 * let a timeout run out (a send would wait as long again), `refusing` when it said no at
 * once (connection refused or dropped, 4xx/5xx greeting, 421 to EHLO). Anything later in
 * the conversation (TLS, AUTH, a message's envelope) means the relay answered: it is up,
 * and the error belongs to the message or to the configuration, visible as such.
 */
export type DownCause = 'stalled' | 'refusing';

export function downCause(error: SmtpDeliveryError): DownCause | undefined {
  if (error.stage === 'connect' || error.stage === 'greeting') {
    return error.code === 'timeout' ? 'stalled' : 'refusing';
  }
  if (error.stage === 'ehlo' && error.smtpCode === 421) return 'refusing';
  return undefined;
}

/**
 * Whether a failure on one relay hands the message to the next (README, "Several relays").
 * Yes when it says nothing about the message: the relay is down, timed out, deferred (4xx,
 * 421), refused the session or our credentials. No when the relay judged the message (5xx to
 * MAIL, RCPT, DATA or its end): asking another relay to take what one refused hurts the
 * sender's reputation with both and hides a real refusal. No either when the message may
 * already be delivered (connection lost after the body): another relay would duplicate it.
 */
export function handsOver(error: SmtpDeliveryError): boolean {
  if (error.possibleDuplicate) return false;
  if (error.code === 'rejected' || error.code === 'message') return false;
  return error.retryable || error.code === 'auth';
}
