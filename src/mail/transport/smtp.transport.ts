import { MailerService } from '@nestjs-modules/mailer';
import { EMAIL_ID_HEADER } from '../mail.constants';
import type { MailTransport, OutgoingEmail, TransportReceipt } from './mail-transport';

/** What nodemailer's SMTP transports resolve with (typed `any` upstream). */
interface SmtpSendResult {
  messageId: string;
  response?: string;
}

/** Delivers through the pooled nodemailer SMTP client configured from SMTP_URL. */
export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp';

  constructor(
    private readonly mailer: MailerService,
    readonly target: string,
  ) {}

  async send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    const info = (await this.mailer.sendMail({
      ...email,
      headers: { [EMAIL_ID_HEADER]: emailId },
    })) as SmtpSendResult;
    return { messageId: info.messageId, response: info.response ?? '' };
  }

  async verify(): Promise<void> {
    const ok = await this.mailer.verifyAllTransporters();
    if (!ok) throw new Error(`SMTP server ${this.target} is not reachable`);
  }
}
