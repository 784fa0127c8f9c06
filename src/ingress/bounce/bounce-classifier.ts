import type { RecipientStatus } from './delivery-status';

export type BounceType = 'hard' | 'soft';

/**
 * Hard: the address will not work (RFC 3463 class 5, Action: failed), suppress it. Soft:
 * temporary (class 4, Action: delayed) or a full mailbox (X.2.2, which RFC 3463 calls
 * permanent but which usually clears), recorded only. Delivered, relayed or expanded
 * notices are not bounces (undefined).
 */
export function classify(report: RecipientStatus): BounceType | undefined {
  const action = report.action;
  if (action === 'delivered' || action === 'relayed' || action === 'expanded') return undefined;
  const status = report.status ?? statusInText(report.diagnostic ?? '');
  if (status?.endsWith('.2.2')) return 'soft';
  if (action === 'delayed') return 'soft';
  if (status?.startsWith('5')) return 'hard';
  if (status?.startsWith('4')) return 'soft';
  if (status?.startsWith('2')) return undefined;
  const text = report.diagnostic ?? '';
  if (SOFT_WORDS.test(text)) return 'soft';
  if (HARD_WORDS.test(text)) return 'hard';
  // A failure report with nothing to go by: not proof the address is bad.
  return action === 'failed' ? 'soft' : undefined;
}

/** An RFC 3463 code, or one inferred from a bare basic reply code (550 → 5.0.0). */
export function statusInText(text: string): string | undefined {
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
  if (enhanced) return `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  const basic = /\b([45])\d\d\b/.exec(text);
  return basic ? `${basic[1]}.0.0` : undefined;
}

const SOFT_WORDS =
  /mailbox (?:is )?full|over ?quota|quota exceeded|insufficient (?:system )?storage|try(?:ing)? again|temporar|delayed|will (?:be )?retr/i;
const HARD_WORDS =
  /user unknown|unknown user|no such (?:user|mailbox|recipient)|does not exist|doesn't exist|invalid (?:recipient|mailbox|address)|recipient (?:address )?rejected|mailbox (?:unavailable|not found)|address rejected|account (?:is )?disabled/i;
