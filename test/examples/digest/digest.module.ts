import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { MailModule } from '../../../src/mail/mail.module';
import { DIGEST_EMAILS_TOTAL } from './digest.constants';
import { DigestService } from './digest.service';

/**
 * MailModule exports MailClient; MetricsModule is global, so the counter provider below
 * is all it takes to get a metric on /metrics.
 */
@Module({
  imports: [MailModule],
  providers: [
    DigestService,
    makeCounterProvider({
      name: DIGEST_EMAILS_TOTAL,
      help: 'Weekly digests by the state MailClient reported (sent, failed, queued, sending).',
      labelNames: ['result'],
    }),
  ],
  exports: [DigestService],
})
export class DigestModule {}
