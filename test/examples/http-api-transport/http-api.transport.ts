import { DeliveryError } from '../../../src/mail/delivery/delivery-error';
import type {
  MailTransport,
  OutgoingEmail,
  TransportReceipt,
} from '../../../src/mail/transport/mail-transport';

/** What this transport needs; in the app it would come from its own env variables. */
export interface HttpApiOptions {
  /** e.g. https://api.provider.example/v1 */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

/**
 * A provider's HTTP API as a transport (think SES or Postmark): POST /messages with JSON.
 * It owns the mapping of the provider's answers onto the delivery vocabulary, so retries,
 * dead letters and `email_failures_total{reason}` work for it like for SMTP.
 */
export class HttpApiTransport implements MailTransport {
  readonly kind = 'http-api';
  readonly target: string;

  constructor(private readonly options: HttpApiOptions) {
    // Shown by /readyz and logs: the host only, never the key.
    this.target = new URL(options.baseUrl).host;
  }

  async send(email: OutgoingEmail, emailId: string): Promise<TransportReceipt> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.apiKey}`,
          'idempotency-key': emailId,
        },
        body: JSON.stringify(email),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw (err as Error).name === 'TimeoutError'
        ? new DeliveryError('timeout', 'mail API did not answer in time', true)
        : new DeliveryError('connection', 'could not reach the mail API', true);
    }
    if (!response.ok) throw classifyHttpApiAnswer(response.status);
    const body = (await response.json()) as { id: string };
    return { messageId: body.id, response: `${response.status} accepted` };
  }

  async verify(): Promise<void> {
    const response = await fetch(`${this.options.baseUrl}/health`, {
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`mail API answered ${response.status}`);
  }
}

/** 429 and 5xx may pass later; a refused key or message will not. */
export function classifyHttpApiAnswer(status: number): DeliveryError {
  if (status === 429 || status >= 500) {
    return new DeliveryError('deferred', `mail API deferred the message (HTTP ${status})`, true);
  }
  if (status === 401 || status === 403) {
    return new DeliveryError('auth', 'mail API refused the configured key', false);
  }
  return new DeliveryError('rejected', `mail API rejected the message (HTTP ${status})`, false);
}
