/**
 * The `message/delivery-status` body of an RFC 3464 report: one block of per-message fields,
 * then one block per recipient (§2.1), each block "name: value" lines like a header, with
 * folded continuation lines, blocks separated by blank lines.
 */

/** One recipient's report (RFC 3464 §2.3). */
export interface RecipientStatus {
  /** Final-Recipient's address (§2.3.2), the type prefix (`rfc822;`) removed. */
  recipient?: string;
  /** Original-Recipient (§2.3.1), when the reporting MTA knew it. */
  originalRecipient?: string;
  /** failed | delayed | delivered | relayed | expanded (§2.3.3). */
  action?: string;
  /** RFC 3463 code, e.g. 5.1.1 (§2.3.4). */
  status?: string;
  /** The remote reply, type prefix removed (§2.3.6). */
  diagnostic?: string;
}

type Fields = Map<string, string>;

function blocks(text: string): Fields[] {
  const result: Fields[] = [];
  let current: Fields = new Map();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size > 0) result.push(current);
      current = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line) && last !== undefined) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      current.set(last, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) result.push(current);
  return result;
}

/** `rfc822; a@b` → `a@b` (the address-type / diagnostic-type prefix of §2.3.2, §2.3.6). */
function typed(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const bare = (semi < 0 ? value : value.slice(semi + 1)).trim();
  return bare.replace(/^<(.*)>$/, '$1') || undefined;
}

const STATUS = /^([245])\.(\d{1,3})\.(\d{1,3})/;

/** Every per-recipient block of a delivery-status body; blocks without a recipient are kept too. */
export function parseDeliveryStatus(text: string): RecipientStatus[] {
  const [, ...perRecipient] = blocks(text);
  return perRecipient
    .filter((f) => f.has('final-recipient') || f.has('action') || f.has('status'))
    .map((fields) => {
      const status = STATUS.exec(fields.get('status') ?? '');
      return {
        recipient: typed(fields.get('final-recipient')),
        originalRecipient: typed(fields.get('original-recipient')),
        action: fields.get('action')?.toLowerCase().split(/\s/)[0],
        status: status ? `${status[1]}.${status[2]}.${status[3]}` : undefined,
        diagnostic: typed(fields.get('diagnostic-code')),
      };
    });
}
