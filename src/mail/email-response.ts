import { HttpStatus } from '@nestjs/common';
import type { EmailView } from './delivery/email-view';

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
        body: { id: view.id, status: 'sent', messageId: view.messageId, attempts: view.attempts },
      };
    case 'failed': {
      const refused = view.lastError?.code === 'rejected' || view.lastError?.code === 'message';
      return {
        status: refused ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.BAD_GATEWAY,
        body: { id: view.id, status: 'failed', attempts: view.attempts, error: view.lastError },
      };
    }
    default:
      return {
        status: HttpStatus.ACCEPTED,
        location: `/emails/${view.id}`,
        body: { id: view.id, status: 'queued', attempts: view.attempts },
      };
  }
}
