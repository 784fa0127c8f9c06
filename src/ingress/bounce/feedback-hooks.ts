import type { Provider } from '@nestjs/common';
import { SuppressionList } from '../../mail/suppression/suppression-list';
import { WebhookPublisher } from '../../mail/webhooks/webhook-publisher';
import {
  BOUNCE_EVENT_SINK,
  SUPPRESSION_HOOK,
  type BounceEvent,
  type BounceEventSink,
  type SuppressionHook,
} from './bounce-hooks';

/**
 * Bounces close the loop through the feedback feature (issue 22): a hard-bounced address
 * joins the client's suppression list (source `bounce`), and every reported recipient becomes
 * an `email.bounced` webhook event in the durable outbox.
 */
export const feedbackHookProviders: Provider[] = [
  {
    provide: SUPPRESSION_HOOK,
    inject: [SuppressionList],
    useFactory: (list: SuppressionList): SuppressionHook => ({
      suppress: (address, context) =>
        list.add(
          context.client,
          address,
          `hard bounce${context.status ? ` ${context.status}` : ''}`,
          'bounce',
        ),
    }),
  },
  {
    provide: BOUNCE_EVENT_SINK,
    inject: [WebhookPublisher],
    useFactory: (webhooks: WebhookPublisher): BounceEventSink => ({
      emit: (event: BounceEvent) => {
        if (!webhooks.wants(event.client)) return Promise.resolve();
        return webhooks.publish('email.bounced', {
          emailId: event.emailId,
          client: event.client,
          extra: {
            recipient: event.recipient,
            bounceType: event.bounceType,
            status: event.status,
            diagnostic: event.diagnostic,
            reportedAt: event.reportedAt,
          },
        });
      },
    }),
  },
];
