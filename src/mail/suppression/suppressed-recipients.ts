import type { EmailMeta } from '../delivery/settled-email';

const KEY = 'suppressed';

/** Per-recipient refusals as the API shows them (send answers, GET /emails/:id, webhooks). */
export interface SuppressedRecipient {
  address: string;
  code: 'suppressed';
}

/** Into the email's meta, so every view of the email shows whom it was not sent to. */
export function suppressedMeta(addresses: string[]): EmailMeta {
  return addresses.length > 0 ? { [KEY]: JSON.stringify(addresses) } : {};
}

export function suppressedOf(meta: EmailMeta | undefined): { suppressed?: SuppressedRecipient[] } {
  if (!meta?.[KEY]) return {};
  const addresses = JSON.parse(meta[KEY]) as string[];
  return { suppressed: addresses.map((address) => ({ address, code: 'suppressed' })) };
}
