import { SmtpDeliveryError } from '../../src/mail/transport/smtp/smtp-error';

/** The engine's classified error for a send that must fail; fails the test if it resolved. */
export async function rejection(p: Promise<unknown>): Promise<SmtpDeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmtpDeliveryError);
  return err as SmtpDeliveryError;
}
