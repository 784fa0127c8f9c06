/**
 * Where bounce processing hands over (README, "Bounces"). Both are optional: without a
 * provider a bounce is still recorded on the email and counted. Provide them from a
 * @Global() module (the feedback feature's suppression list and webhooks).
 */

/** DI token of the SuppressionHook. */
export const SUPPRESSION_HOOK = Symbol('SUPPRESSION_HOOK');
/** DI token of the BounceEventSink. */
export const BOUNCE_EVENT_SINK = Symbol('BOUNCE_EVENT_SINK');

export interface SuppressionContext {
  client: string;
  emailId: string;
  reason: 'hard_bounce';
  /** RFC 3463 status from the report, e.g. 5.1.1. */
  status?: string;
}

/** Called for every hard-bounced recipient; a rejection makes the relay retry the bounce. */
export interface SuppressionHook {
  suppress(address: string, context: SuppressionContext): Promise<void>;
}

/** `email.bounced`: one per reported recipient, hard or soft. */
export interface BounceEvent {
  type: 'email.bounced';
  emailId: string;
  client: string;
  recipient: string;
  bounceType: 'hard' | 'soft';
  status?: string;
  diagnostic?: string;
  reportedAt: string;
}

/** Receives bounce events (webhooks); a rejection makes the relay retry the bounce. */
export interface BounceEventSink {
  emit(event: BounceEvent): Promise<void>;
}
