import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { feedbackHookProviders } from './bounce/feedback-hooks';
import { BounceReceiver } from './bounce/bounce-receiver';
import { IngressMetrics, ingressMetricProviders } from './metrics/ingress-metrics';
import { SessionRules } from './smtp/session-rules';
import { SmtpIngressServer } from './smtp/smtp-ingress.server';
import { Submission } from './smtp/submission';

/**
 * SMTP in (issue 23): submission for tools that can only send over SMTP, through the same
 * MailService as POST /send-email, and bounce processing for the per-email return paths.
 * Nothing listens unless SMTP_INGRESS_PORT is set.
 */
@Module({
  imports: [MailModule],
  providers: [
    SmtpIngressServer,
    SessionRules,
    Submission,
    BounceReceiver,
    ...feedbackHookProviders,
    IngressMetrics,
    ...ingressMetricProviders,
  ],
  exports: [SmtpIngressServer],
})
export class IngressModule {}
