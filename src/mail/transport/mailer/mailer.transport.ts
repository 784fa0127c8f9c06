import { MailerService } from '@nestjs-modules/mailer';
import { nodemailerMessage } from '../nodemailer-message';
import type {
  MailTransport,
  OutgoingEmail,
  RelayHealth,
  TransportReceipt,
} from '../mail-transport';
import { classifyMailerError } from './mailer-errors';

/** What nodemailer's SMTP transports resolve with (typed `any` upstream). */
interface SmtpSendResult {
  messageId: string;
  response?: string;
}

/** Delivers through the pooled nodemailer SMTP client configured from SMTP_URL. */
export class MailerTransport implements MailTransport {
  readonly kind = 'smtp';
  /** From the last send: did the relay answer (even with a refusal)? */
  private up: boolean | undefined;

  constructor(
    private readonly mailer: MailerService,
    readonly target: string,
  ) {}

  async send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    let info: SmtpSendResult;
    try {
      info = (await this.mailer.sendMail(nodemailerMessage(email, emailId))) as SmtpSendResult;
    } catch (err) {
      const error = classifyMailerError(err);
      this.up = error.smtpCode !== null || !['connection', 'timeout'].includes(error.code);
      throw error;
    }
    this.up = true;
    return { messageId: info.messageId, response: info.response ?? '' };
  }

  /** nodemailer does not say whether a lost connection had the whole message: 0 possible duplicates known. */
  relayHealth(): RelayHealth {
    return { up: this.up, possibleDuplicates: 0 };
  }

  async verify(): Promise<void> {
    const ok = await this.mailer.verifyAllTransporters();
    if (!ok) throw new Error(`SMTP server ${this.target} is not reachable`);
  }
}
