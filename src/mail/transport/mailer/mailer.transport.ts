import { MailerService } from '@nestjs-modules/mailer';
import { EMAIL_ID_HEADER } from '../../mail.constants';
import type { MailTransport, OutgoingEmail, TransportReceipt } from '../mail-transport';
import { classifyMailerError } from './mailer-errors';

/** What nodemailer's SMTP transports resolve with (typed `any` upstream). */
interface SmtpSendResult {
  messageId: string;
  response?: string;
}

/** Delivers through the pooled nodemailer SMTP client configured from SMTP_URL. */
export class MailerTransport implements MailTransport {
  readonly kind = 'smtp';

  constructor(
    private readonly mailer: MailerService,
    readonly target: string,
  ) {}

  async send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    let info: SmtpSendResult;
    try {
      info = (await this.mailer.sendMail({
        ...email,
        headers: { [EMAIL_ID_HEADER]: emailId },
      })) as SmtpSendResult;
    } catch (err) {
      throw classifyMailerError(err);
    }
    return { messageId: info.messageId, response: info.response ?? '' };
  }

  async verify(): Promise<void> {
    const ok = await this.mailer.verifyAllTransporters();
    if (!ok) throw new Error(`SMTP server ${this.target} is not reachable`);
  }
}
