import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../core/error-body';
import type { RetryResult } from './delivery/drivers/delivery-queue';
import type { EmailView } from './delivery/email-view';
import { suppressedOf, type SuppressedRecipient } from './suppression/suppressed-recipients';
import { labelsOf } from './tags/email-tags';

/** An email as the API shows it: its meta stays inside, except the caller's tags and metadata. */
export type PublicEmailView = Omit<EmailView, 'meta'> & {
  tags?: string[];
  metadata?: Record<string, string>;
  /** Recipients refused before queueing because they are on the suppression list. */
  suppressed?: SuppressedRecipient[];
};

export function presentView(view: EmailView): PublicEmailView {
  const { meta, ...rest } = view;
  return { ...rest, ...labelsOf(meta), ...suppressedOf(meta) };
}

export interface EmailResponse {
  status: number;
  location?: string;
  body: Record<string, unknown>;
}

/**
 * How an email's state maps to HTTP (README, "HTTP API"):
 * sent → 200; still queued or retrying → 202 + Location; failed → 422 when the SMTP server
 * refused this message (resending it won't help), 502 when delivery itself failed (bad
 * relay credentials, retries exhausted on an unreachable relay).
 */
export function toEmailResponse(view: EmailView): EmailResponse {
  switch (view.status) {
    case 'sent':
      return {
        status: HttpStatus.OK,
        body: {
          id: view.id,
          status: 'sent',
          messageId: view.messageId,
          attempts: view.attempts,
          ...suppressedOf(view.meta),
        },
      };
    case 'failed': {
      const refused = view.lastError?.code === 'rejected' || view.lastError?.code === 'message';
      return {
        status: refused ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.BAD_GATEWAY,
        body: {
          id: view.id,
          status: 'failed',
          attempts: view.attempts,
          error: view.lastError,
          ...suppressedOf(view.meta),
        },
      };
    }
    default:
      return {
        status: HttpStatus.ACCEPTED,
        location: `/emails/${view.id}`,
        body: {
          id: view.id,
          status: 'queued',
          attempts: view.attempts,
          ...suppressedOf(view.meta),
        },
      };
  }
}

/** Sets the status (and Location, and Preference-Applied) on the reply; returns the body. */
export function reply(
  fastifyReply: { status(code: number): unknown; header(name: string, value: string): unknown },
  response: EmailResponse,
  respondAsync = false,
): Record<string, unknown> {
  fastifyReply.status(response.status);
  if (response.location) fastifyReply.header('location', response.location);
  if (respondAsync) fastifyReply.header('preference-applied', 'respond-async');
  return response.body;
}

/** POST /emails/:id/retry: 202 + Location; 404 unknown; 409 when the email is not failed. */
export function toRetryResponse(id: string, result: RetryResult): EmailResponse {
  if (result.kind === 'not-found') {
    throw new ApiError(404, 'not_found', `no email ${id} (unknown, or past its retention)`);
  }
  if (result.kind === 'not-failed') {
    throw new ApiError(409, 'email_not_failed', `email ${id} is ${result.view.status}, not failed`);
  }
  return {
    status: HttpStatus.ACCEPTED,
    location: `/emails/${id}`,
    body: { id, status: 'queued', attempts: result.view.attempts },
  };
}

/** GET /emails/:id: the view, or 404. */
export function foundOr404(id: string, view: EmailView | undefined): PublicEmailView {
  if (!view)
    throw new ApiError(404, 'not_found', `no email ${id} (unknown, or past its retention)`);
  return presentView(view);
}
