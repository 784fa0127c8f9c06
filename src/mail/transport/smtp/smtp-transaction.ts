import type { SmtpSession } from './smtp-session';
import { faultError, judgeRecipients, replyError, type RejectedRecipient } from './smtp-classify';
import { messageError, no8BitMime, SmtpDeliveryError, type SmtpStage } from './smtp-error';
import type { SmtpReply } from './smtp-reply';
import type { BuiltMessage } from './message-builder';

export type { RejectedRecipient };

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
    if (!session.caps.eightBitMime) throw no8BitMime();
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
 * How a transaction is chained to its neighbours on a pipelining session (RFC 2920 §3.1: the
 * message content may be the first "command" of a group, so the next envelope may follow it
 * before the end-of-data reply).
 */
export interface TransactionLink {
  /**
   * The previous transaction's end-of-data reply, when this one's envelope was written right
   * after that message: settled before this envelope's replies (replies come in order).
   */
  previous?: Promise<SmtpReply>;
  /**
   * Called synchronously once the message is written and its end-of-data reply is queued on
   * the channel: whatever is written now shares the write and is answered after that reply.
   * Receives that reply, for the transaction started here.
   */
  onBody?(final: Promise<SmtpReply>): void;
}

/** The session said goodbye (421) at the end of the previous message: this one never started. */
const goneBeforeBody = () =>
  new SmtpDeliveryError(
    'connection',
    null,
    'the SMTP server closed the connection before this message was sent',
    true,
    'mail',
  );

/** One message over a ready session: pipelined (one write, one wait) when offered, else lock-step. */
export async function runTransaction(
  session: SmtpSession,
  message: BuiltMessage,
  link: TransactionLink = {},
): Promise<TransactionResult> {
  const { channel, options } = session;
  const rcpts = message.envelope.to;
  let stage: SmtpStage = 'mail';
  let bodySent = false;
  // The previous message's verdict comes first on the wire; a 421 there ends the session and
  // this transaction with it, whatever the server answered to our envelope afterwards.
  const previousEndedSession = async () => {
    if (!link.previous) return false;
    const reply = await link.previous.catch(() => undefined);
    return reply?.code === 421;
  };
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
      if (await previousEndedSession()) throw new TransactionFailure(goneBeforeBody(), false);
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
    if (all.some((r) => r.code === 421)) session.state.markBroken();
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
    channel.write(message.payload, `[message, ${message.size} octets]`);
    bodySent = true;
    // Marks the session before anything chained to this reply looks at it.
    const finalRead = channel.readOne(options.dataTimeoutMs).then((reply) => {
      if (reply.code === 421) session.state.markBroken();
      return reply;
    });
    link.onBody?.(finalRead);
    const final = await finalRead;
    if (final.code !== 250)
      throw new TransactionFailure(replyError('message', final), !session.broken);
    return { response: replyText(final), accepted: verdict.accepted, rejected: verdict.rejected };
  } catch (err) {
    if (err instanceof TransactionFailure) throw err;
    // A message error before anything was written leaves the connection clean.
    if (err instanceof SmtpDeliveryError) throw new TransactionFailure(err, true);
    // Whatever fault the envelope met, the previous message's 421 is why: a connection error
    // before the body, retryable and not a possible duplicate.
    if (!bodySent && (await previousEndedSession()))
      throw new TransactionFailure(goneBeforeBody(), false);
    throw new TransactionFailure(faultError(err, stage, bodySent), false);
  }
}
