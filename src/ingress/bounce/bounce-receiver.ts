import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { UNKNOWN_CLIENT } from '../../core/client-identity';
import { MailService } from '../../mail/mail.service';
import { RecipientOutcomes, type RecipientOutcome } from '../../mail/outcomes/recipient-outcomes';
import { ReturnPaths } from '../../mail/return-path/return-paths';
import { IngressMetrics, type BounceReportResult } from '../metrics/ingress-metrics';
import { smtpReply } from '../smtp/smtp-reply';
import { classify } from './bounce-classifier';
import {
  BOUNCE_EVENT_SINK,
  SUPPRESSION_HOOK,
  type BounceEvent,
  type BounceEventSink,
  type SuppressionHook,
} from './bounce-hooks';
import { parseBounce } from './bounce-report';

function outcomeOf(event: BounceEvent): RecipientOutcome {
  return {
    address: event.recipient,
    outcome: event.bounceType === 'hard' ? 'bounced' : 'deferred',
    type: event.bounceType,
    status: event.status,
    diagnostic: event.diagnostic,
    reportedAt: event.reportedAt,
  };
}

/**
 * Bounces sent to our return paths (README, "Bounces"). The envelope recipient's token was
 * checked at RCPT (SessionRules): a forged one never gets here. Each reported recipient is
 * recorded on its email, counted in email_bounced_total, handed to the hooks; hard ones are
 * suppressed. Outcomes are stored and the hooks run before the 250: if either fails the reply
 * is 451 and the relay retries.
 */
@Injectable()
export class BounceReceiver {
  private readonly logger = new Logger('Bounces');

  constructor(
    private readonly mail: MailService,
    private readonly returnPaths: ReturnPaths,
    private readonly outcomes: RecipientOutcomes,
    private readonly metrics: IngressMetrics,
    @Optional() @Inject(SUPPRESSION_HOOK) private readonly suppression?: SuppressionHook,
    @Optional() @Inject(BOUNCE_EVENT_SINK) private readonly events?: BounceEventSink,
  ) {}

  /** The 250 text once the report is processed. */
  async receive(raw: Buffer, recipients: string[]): Promise<string> {
    const reports = await parseBounce(raw);
    const reportedAt = new Date().toISOString();
    let result: BounceReportResult = reports.length === 0 ? 'unparsed' : 'ignored';
    for (const address of recipients) {
      const match = this.returnPaths.parse(address);
      if (match.kind !== 'valid') continue;
      const view = await this.mail.find(match.emailId);
      const client = view?.client ?? UNKNOWN_CLIENT;
      const events: BounceEvent[] = [];
      for (const report of reports) {
        const bounceType = classify(report);
        if (bounceType === undefined) continue;
        const recipient = report.recipient ?? report.originalRecipient;
        if (recipient === undefined) {
          if (result === 'ignored') result = 'unparsed';
          continue;
        }
        events.push({
          type: 'email.bounced',
          emailId: match.emailId,
          client,
          recipient,
          bounceType,
          status: report.status,
          diagnostic: report.diagnostic?.replace(/[\r\n]+/g, ' ').slice(0, 300),
          reportedAt,
        });
      }
      try {
        // Recorded first: a retried bounce records the same outcome again, harmlessly.
        for (const event of events) await this.outcomes.record(event.emailId, outcomeOf(event));
        await this.handOver(events);
      } catch {
        this.logger.warn({
          msg: 'bounce could not be stored or handed over; the relay will retry',
          emailId: match.emailId,
        });
        throw smtpReply(451, '4.3.0', 'bounce could not be processed now; try again later');
      }
      for (const event of events) {
        this.metrics.bounce(client, event.bounceType);
        if (event.bounceType === 'hard') result = 'hard';
        else if (result !== 'hard') result = 'soft';
      }
      // Recipients are addresses of other people: logged only when redaction allows (not here).
      this.logger.log({
        msg: 'bounce received',
        emailId: match.emailId,
        client,
        result,
        recipients: events.length,
      });
    }
    this.metrics.report(result);
    return `2.0.0 bounce processed (${result})`;
  }

  private async handOver(events: BounceEvent[]): Promise<void> {
    for (const event of events) {
      if (event.bounceType === 'hard' && this.suppression) {
        await this.suppression.suppress(event.recipient, {
          client: event.client,
          emailId: event.emailId,
          reason: 'hard_bounce',
          status: event.status,
        });
      }
      if (this.events) await this.events.emit(event);
    }
  }
}
