import { Injectable, Logger } from '@nestjs/common';
import { simpleParser, type AddressObject } from 'mailparser';
import type { SMTPServerSession } from 'smtp-server';
import { ApiError } from '../../core/error-body';
import { MailService } from '../../mail/mail.service';
import { IngressMetrics } from '../metrics/ingress-metrics';
import { refusalFor, type SmtpReplyError } from './smtp-reply';

/** End of the header section: the first empty line. */
const HEADER_END = /\r?\n\r?\n/;

interface Headline {
  from?: string;
  subject: string;
  messageId?: string;
}

function firstAddress(value: AddressObject | AddressObject[] | undefined): string | undefined {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  for (const object of list) {
    for (const entry of object.value) if (entry.address) return entry.address;
  }
  return undefined;
}

/** From, Subject and Message-ID, read from the header section only (mailparser decodes them). */
async function headlineOf(raw: Buffer): Promise<Headline> {
  const text = raw.toString('latin1');
  const end = text.search(HEADER_END);
  const head = Buffer.from(end < 0 ? text : text.slice(0, end), 'latin1');
  const parsed = await simpleParser(Buffer.concat([head, Buffer.from('\r\n\r\n')]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  return {
    from: firstAddress(parsed.from),
    subject: parsed.subject ?? '',
    messageId: parsed.messageId,
  };
}

/**
 * A submitted message, through the same path as POST /send-email (MailService.send): sender
 * and recipient policy, idempotency, the queue. 250 only once the queue stored the message
 * (the spool commit happened); a refusal gets the SMTP code matching the HTTP status.
 */
@Injectable()
export class Submission {
  private readonly logger = new Logger('SmtpIngress');

  constructor(
    private readonly mail: MailService,
    private readonly metrics: IngressMetrics,
  ) {}

  /** The text of the 250 reply, or the refusal to send instead. */
  async accept(raw: Buffer, session: SMTPServerSession, client: string): Promise<string> {
    const headline = await headlineOf(raw);
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const startedAt = Date.now();
    try {
      const view = await this.mail.send(
        {
          from: headline.from ?? (envelopeFrom || undefined),
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: headline.subject,
          raw: raw.toString('base64'),
          envelopeFrom,
        },
        {
          client,
          waitMs: 0,
          // The Message-ID is the submitter's idempotency key: an MTA's retry after a lost 250
          // repeats it, and is answered with the first email instead of sending again.
          ...(headline.messageId ? { idempotencyKey: `smtp:${headline.messageId}` } : {}),
        },
      );
      // A replayed Message-ID answers with the first email, created before this call.
      const duplicate = Date.parse(view.createdAt) < startedAt;
      this.metrics.submission(client, duplicate ? 'duplicate' : 'accepted');
      return duplicate
        ? `2.0.0 duplicate Message-ID: already accepted as ${view.id}, not sent again`
        : `2.0.0 queued as ${view.id}`;
    } catch (err) {
      if (err instanceof ApiError && err.getStatus() === 422) {
        // Same Message-ID, other bytes (a resend with a new Date header, say): a duplicate too.
        this.metrics.submission(client, 'duplicate');
        return '2.0.0 duplicate Message-ID: already accepted, not sent again';
      }
      throw this.refused(err, client);
    }
  }

  private refused(err: unknown, client: string): SmtpReplyError {
    const { reply, result } = refusalFor(err);
    this.metrics.submission(client, result);
    if (result === 'unavailable') {
      this.logger.warn({ msg: 'smtp submission deferred', client, reason: reply.message });
    }
    return reply;
  }
}
