import { Logger } from '@nestjs/common';
import type { SmtpReply } from './smtp-reply';

const logger = new Logger('SmtpConversation');

/**
 * The opt-in SMTP conversation log (SMTP_DEBUG=1, shown with LOG_LEVEL=debug), one line per
 * command and per reply code, prefixed with the relay's name: what nodemailer's and Haraka's
 * debug logs give when a relay misbehaves. Never credentials or bodies: AUTH lines are
 * written with a stand-in (`shown`), a message body only as its size, replies only as codes
 * (their text may echo addresses or policy URLs; the code is what classification uses).
 */
export class ConversationLog {
  constructor(private readonly relay: string) {}

  sent(data: string | Buffer, shown?: string): void {
    if (shown !== undefined) return this.line(`> ${shown}`);
    if (typeof data !== 'string') return this.line(`> [${data.length} octets]`);
    for (const command of data.split('\r\n')) if (command !== '') this.line(`> ${command}`);
  }

  received(reply: SmtpReply): void {
    this.line(`< ${reply.code}${reply.lines.length > 1 ? ` (${reply.lines.length} lines)` : ''}`);
  }

  event(what: string): void {
    this.line(`* ${what}`);
  }

  private line(text: string): void {
    logger.debug(`relay "${this.relay}" ${text}`);
  }
}
