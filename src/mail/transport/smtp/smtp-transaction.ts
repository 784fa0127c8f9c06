import { faultError, type SmtpSession } from './smtp-session';
import { messageError, replyError, SmtpDeliveryError, type SmtpStage } from './smtp-error';
import type { SmtpReply } from './smtp-reply';
import type { BuiltMessage } from './message-builder';

export interface RejectedRecipient {
  address: string;
  smtpCode: number;
}

export interface TransactionResult {
  /** The server's reply to the end of DATA, e.g. `250 2.0.0 Ok: queued as …`. */
  response: string;
  accepted: string[];
  /** Recipients refused permanently (5xx) while others were accepted: see partial acceptance. */
  rejected: RejectedRecipient[];
}

/** The transaction failed; `reusable` says whether the connection is still in step. */
export class TransactionFailure extends Error {
  constructor(
    readonly error: SmtpDeliveryError,
    readonly reusable: boolean,
  ) {
    super(error.message);
  }
}

const replyText = (r: SmtpReply) => `${r.code} ${r.lines.join(' ')}`.trim();

function mailCommand(session: SmtpSession, message: BuiltMessage): string {
  let params = '';
  if (message.eightBit) {
    if (!session.caps.eightBitMime)
      throw messageError('message has 8-bit content and the SMTP server does not offer 8BITMIME');
    params += ' BODY=8BITMIME';
  }
  if (message.envelope.smtpUtf8) {
    if (!session.caps.smtpUtf8)
      throw messageError('an address needs SMTPUTF8, which the SMTP server does not offer');
    params += ' SMTPUTF8';
  }
  if (session.caps.size > 0) {
    if (message.size > session.caps.size)
      throw messageError(`message of ${message.size} octets exceeds the SMTP server's SIZE limit`);
    params += ` SIZE=${message.size}`;
  }
  return `MAIL FROM:<${message.envelope.from}>${params}\r\n`;
}

/**
 * Partial acceptance (README, "Partial acceptance"): recipients refused with 5xx are
 * reported and dropped while the others get the message, because retrying cannot help them
 * and would duplicate it for the rest. If any recipient is deferred (4xx) nothing is sent:
 * the whole email is retried later, so no recipient gets it twice and none is silently lost.
 */
function judgeRecipients(addresses: string[], replies: SmtpReply[]) {
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

/** One message over a ready session: pipelined (one write, one wait) when offered, else lock-step. */
export async function runTransaction(
  session: SmtpSession,
  message: BuiltMessage,
): Promise<TransactionResult> {
  const { channel, options } = session;
  const rcpts = message.envelope.to;
  let stage: SmtpStage = 'mail';
  let bodySent = false;
  session.phase = 'envelope';
  try {
    const mail = mailCommand(session, message);
    let mailReply: SmtpReply;
    let rcptReplies: SmtpReply[];
    let dataReply: SmtpReply | undefined;
    if (session.pipelining) {
      let batch = mail;
      for (const to of rcpts) batch += `RCPT TO:<${to}>\r\n`;
      channel.write(`${batch}DATA\r\n`);
      const replies = await channel.read(rcpts.length + 2, options.commandTimeoutMs);
      mailReply = replies[0];
      rcptReplies = replies.slice(1, -1);
      dataReply = replies[replies.length - 1];
    } else {
      channel.write(mail);
      mailReply = await channel.readOne(options.commandTimeoutMs);
      rcptReplies = [];
      if (mailReply.code === 250) {
        stage = 'rcpt';
        for (const to of rcpts) {
          channel.write(`RCPT TO:<${to}>\r\n`);
          rcptReplies.push(await channel.readOne(options.commandTimeoutMs));
        }
      }
    }
    const all = [mailReply, ...rcptReplies, ...(dataReply ? [dataReply] : [])];
    if (all.some((r) => r.code === 421)) session.broken = true;
    // A 354 we are not going to honour leaves the server reading our next lines as the body:
    // only closing the connection discards that transaction (RFC 5321 §4.1.1.4).
    const abandon = (error: SmtpDeliveryError): never => {
      throw new TransactionFailure(error, dataReply?.code !== 354 && !session.broken);
    };
    if (mailReply.code !== 250) abandon(replyError('mail', mailReply));
    stage = 'rcpt';
    const verdict = judgeRecipients(rcpts, rcptReplies);
    if (verdict.failure) abandon(replyError('rcpt', verdict.failure));
    stage = 'data';
    if (!dataReply) {
      channel.write('DATA\r\n');
      dataReply = await channel.readOne(options.commandTimeoutMs);
    }
    if (dataReply.code !== 354) abandon(replyError('data', dataReply));
    stage = 'message';
    channel.write(message.payload);
    bodySent = true;
    session.phase = 'body';
    const final = await channel.readOne(options.dataTimeoutMs);
    if (final.code === 421) session.broken = true;
    if (final.code !== 250)
      throw new TransactionFailure(replyError('message', final), !session.broken);
    return { response: replyText(final), accepted: verdict.accepted, rejected: verdict.rejected };
  } catch (err) {
    if (err instanceof TransactionFailure) throw err;
    // A message error before anything was written leaves the connection clean.
    if (err instanceof SmtpDeliveryError) throw new TransactionFailure(err, true);
    throw new TransactionFailure(faultError(err, stage, bodySent), false);
  }
}
