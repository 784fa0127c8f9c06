import { MailerService } from '@nestjs-modules/mailer';
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DeliveryError } from '../../delivery/delivery-error';
import { nodemailerMessage } from '../nodemailer-message';
import type { MailTransport, OutgoingEmail, TransportReceipt } from '../mail-transport';

/** Message-building problems are final; file-system ones (full disk, permissions) may pass. */
function classifyOutboxError(error: unknown): DeliveryError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EMESSAGE' || code === 'EENVELOPE' || code === 'ESTREAM') {
    return new DeliveryError(
      'message',
      'the message could not be built or has no valid recipients',
      false,
    );
  }
  return new DeliveryError('unknown', 'delivery failed', true);
}

/**
 * Writes one RFC 5322 `.eml` file per email, so the service runs with no mail server.
 * The file is written under a temporary name and renamed: a reader watching the folder
 * never sees half a message.
 */
export class OutboxTransport implements MailTransport {
  readonly kind = 'outbox';
  readonly target: string;
  private ready?: Promise<void>;

  constructor(
    private readonly mailer: MailerService,
    dir: string,
  ) {
    this.target = resolve(dir);
  }

  async send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    try {
      return await this.write(email, emailId);
    } catch (err) {
      throw classifyOutboxError(err);
    }
  }

  private async write(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    const info = (await this.mailer.sendMail(nodemailerMessage(email, emailId))) as {
      messageId: string;
      message: Buffer;
    };
    await this.ensureDir();
    const finalPath = join(this.target, `${emailId}.eml`);
    const tempPath = join(this.target, `.${emailId}.${randomUUID()}.tmp`);
    await writeFile(tempPath, info.message);
    await rename(tempPath, finalPath);
    return { messageId: info.messageId, response: `written to ${emailId}.eml` };
  }

  async verify(): Promise<void> {
    await this.ensureDir();
    await access(this.target, constants.W_OK);
  }

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(this.target, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }
}
