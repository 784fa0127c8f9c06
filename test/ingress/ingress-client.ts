import { createTransport, type SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { SmtpIngressServer } from '../../src/ingress/smtp/smtp-ingress.server';
import type { TestApp } from '../support/test-app';

/** The ingress listener's port in an in-process test app (SMTP_INGRESS_PORT=0). */
export function ingressPort(app: TestApp): number {
  const port = app.app.get(SmtpIngressServer).port;
  if (port === undefined) throw new Error('the SMTP ingress listener is not running');
  return port;
}

export interface SubmitResult {
  response: string;
  /** The email id from `250 2.0.0 queued as <id>` (or the duplicate's first id). */
  id: string;
  /** Recipients refused while the others were accepted. */
  rejected: string[];
}

/** One message through nodemailer as a plain SMTP client (no pool, no retries). */
export async function submit(
  options: SMTPTransport.Options,
  message: SendMailOptions,
): Promise<SubmitResult> {
  const transport = createTransport({
    host: '127.0.0.1',
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    ...options,
  });
  try {
    const info = await transport.sendMail(message);
    const response = String(info.response);
    const id = /as ([0-9a-f-]{36})/.exec(response)?.[1] ?? '';
    return { response, id, rejected: info.rejected.map(String) };
  } finally {
    transport.close();
  }
}

/** The reply code a refused send ended with (nodemailer's `responseCode`). */
export async function refusal(
  options: SMTPTransport.Options,
  message: SendMailOptions,
): Promise<{ code: number; response: string }> {
  try {
    await submit(options, message);
  } catch (err) {
    const { responseCode, response } = err as { responseCode?: number; response?: string };
    return { code: responseCode ?? 0, response: response ?? String(err) };
  }
  throw new Error('expected the server to refuse the message, but it was accepted');
}
