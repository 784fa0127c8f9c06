import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { EmailView } from '../../../src/mail/delivery/email-view';
import { MailClient } from '../../../src/mail/mail-client';
import { DIGEST_CLIENT, DIGEST_EMAILS_TOTAL } from './digest.constants';

export interface DigestItem {
  title: string;
  url: string;
}

/** Example team module: sends a weekly digest through MailClient and counts its own outcomes. */
@Injectable()
export class DigestService {
  constructor(
    private readonly mail: MailClient,
    @InjectMetric(DIGEST_EMAILS_TOTAL) private readonly digests: Counter<'result'>,
  ) {}

  async sendWeekly(to: string, items: DigestItem[]): Promise<EmailView> {
    const view = await this.mail.send(
      {
        to,
        subject: `Your weekly digest: ${items.length} updates`,
        text: items.map((item) => `- ${item.title}: ${item.url}`).join('\n'),
      },
      // waitMs: how long this call waits for the SMTP outcome before returning 'queued'.
      { client: DIGEST_CLIENT, waitMs: 5_000 },
    );
    this.digests.inc({ result: view.status });
    return view;
  }
}
