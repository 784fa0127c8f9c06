import type { SmtpDeliveryError } from './smtp-error';

/**
 * Why a relay counts as down, from the error that opening a session met: `stalled` when it
 * let a timeout run out (a send would wait as long again), `refusing` when it said no at
 * once (connection refused or dropped, 4xx/5xx greeting, 421 to EHLO). Anything later in
 * the conversation (TLS, AUTH, a message's envelope) means the relay answered: it is up,
 * and the error belongs to the message or to the configuration, visible as such.
 */
export type DownCause = 'stalled' | 'refusing';

export function downCause(error: SmtpDeliveryError): DownCause | undefined {
  if (error.stage === 'connect' || error.stage === 'greeting') {
    return error.code === 'timeout' ? 'stalled' : 'refusing';
  }
  if (error.stage === 'ehlo' && error.smtpCode === 421) return 'refusing';
  return undefined;
}
