import { HttpException } from '@nestjs/common';
import { ServiceUnavailableError } from '../../core/service-unavailable.error';
import { QuotaExceededError } from '../../mail/quota/quota-exceeded.error';
import type { SubmissionResult } from '../metrics/ingress-metrics';

/** An error smtp-server turns into a reply line: `<code> <text>`. */
export interface SmtpReplyError extends Error {
  responseCode: number;
}

/** A reply with an RFC 3463 enhanced status code in its text (smtp-server's own are off). */
export function smtpReply(code: number, enhanced: string, text: string): SmtpReplyError {
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

export interface MappedRefusal {
  reply: SmtpReplyError;
  result: SubmissionResult;
}

/** The message of an HttpException's body, never a stack or internal detail. */
function messageOf(err: HttpException): string {
  const body = err.getResponse();
  const message =
    typeof body === 'object' && body !== null && 'message' in body ? body.message : err.message;
  const text = Array.isArray(message) ? message.join('; ') : String(message);
  // One reply line: no CR/LF from anywhere may split it.
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

/**
 * What POST /send-email would answer, as SMTP: policy 5xx (the client must not retry),
 * store unavailable / queue full / over quota 4xx (it should), anything unknown 451.
 */
export function refusalFor(err: unknown): MappedRefusal {
  if (err instanceof ServiceUnavailableError) {
    return {
      reply: smtpReply(451, '4.3.0', `${messageOf(err)}; try again later`),
      result: 'unavailable',
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const text = messageOf(err);
    if (status === 403) return { reply: smtpReply(550, '5.7.1', text), result: 'refused_policy' };
    if (status === 413) return { reply: smtpReply(552, '5.3.4', text), result: 'refused_size' };
    // Over quota: 451 4.7.1 like the rate limit (RFC 3463 "delivery not authorized", transient),
    // so the tool's MTA queues and retries; the text says when (the HTTP Retry-After).
    if (err instanceof QuotaExceededError) {
      return { reply: smtpReply(451, '4.7.1', text), result: 'refused_quota' };
    }
    if (status === 429) return { reply: smtpReply(451, '4.7.1', text), result: 'refused_rate' };
    if (status >= 500) return { reply: smtpReply(451, '4.3.0', text), result: 'unavailable' };
    return { reply: smtpReply(554, '5.6.0', text), result: 'refused_invalid' };
  }
  return {
    reply: smtpReply(451, '4.3.0', 'local error; nothing was stored, try again later'),
    result: 'unavailable',
  };
}
