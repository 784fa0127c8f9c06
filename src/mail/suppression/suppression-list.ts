import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { feedbackConfig, type FeedbackConfig } from '../../config/feedback.config';
import { ApiError } from '../../core/error-body';
import { ServiceUnavailableError } from '../../core/service-unavailable.error';

/** Retry-After when the suppression list cannot be read. */
const SUPPRESSION_RETRY_AFTER_SECONDS = 2;
import { ClientLabels } from '../../metrics/client-labels';
import type { OutgoingEmail } from '../transport/mail-transport';
import {
  EMAIL_SUPPRESSED_RECIPIENTS_TOTAL,
  EMAIL_SUPPRESSIONS_ADDED_TOTAL,
  SUPPRESSION_STORE,
} from './suppression.constants';
import {
  decodeCursor,
  encodeCursor,
  type SuppressionPage,
  type SuppressionSource,
  type SuppressionStore,
} from './suppression-store';

/** The scope of every entry when SUPPRESSION_SCOPE=shared. */
export const SHARED_SCOPE = '*';
const DISPLAY_FORM = /<([^<>]*)>\s*$/;
/** Kept short and on one line: it is shown by the API and never holds a relay host. */
const MAX_REASON = 200;

/** The part of a mailbox that identifies the recipient, case-folded (how providers key lists). */
export function normaliseAddress(mailbox: string): string {
  const match = DISPLAY_FORM.exec(mailbox);
  return (match ? match[1] : mailbox).trim().toLowerCase();
}

// eslint-disable-next-line no-control-regex -- control characters are what it removes
const CONTROL = /[\u0000-\u001f\u007f]+/g;
const cleanReason = (reason: string) => reason.replace(CONTROL, ' ').slice(0, MAX_REASON);

/**
 * The suppression list (README, "Suppression list"): addresses a relay refused for good (or a
 * bounce, or a caller, named) are refused per recipient with code `suppressed` before any
 * relay sees them. Per client, or one shared list (SUPPRESSION_SCOPE). Injectable by any
 * module: the SMTP ingress adds hard bounces with `add(client, address, reason, 'bounce')`.
 */
@Injectable()
export class SuppressionList implements OnApplicationShutdown {
  private readonly logger = new Logger('Suppression');

  constructor(
    @Inject(SUPPRESSION_STORE) private readonly store: SuppressionStore,
    @Inject(feedbackConfig.KEY) private readonly config: FeedbackConfig,
    private readonly clients: ClientLabels,
    @InjectMetric(EMAIL_SUPPRESSED_RECIPIENTS_TOTAL)
    private readonly refusedMetric: Counter<'client'>,
    @InjectMetric(EMAIL_SUPPRESSIONS_ADDED_TOTAL) private readonly addedMetric: Counter<'source'>,
  ) {}

  /** The list a client's sends are checked against. */
  scopeOf(client: string): string {
    return this.config.suppressionScope === 'shared' ? SHARED_SCOPE : client;
  }

  async add(
    client: string,
    address: string,
    reason: string,
    source: SuppressionSource = 'api',
  ): Promise<void> {
    await this.store.add(
      this.scopeOf(client),
      normaliseAddress(address),
      source,
      cleanReason(reason),
      Date.now(),
    );
    this.addedMetric.inc({ source });
  }

  remove(client: string, address: string): Promise<boolean> {
    return this.store.remove(this.scopeOf(client), normaliseAddress(address));
  }

  async isSuppressed(client: string, address: string): Promise<boolean> {
    const address_ = normaliseAddress(address);
    return (await this.store.suppressed(this.scopeOf(client), [address_])).has(address_);
  }

  get(client: string, address: string) {
    return this.store.get(this.scopeOf(client), normaliseAddress(address));
  }

  /** A page of a client's list, or (operators: `client` undefined) of every list. */
  async list(client: string | undefined, limit: number, cursor?: string): Promise<SuppressionPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const scope = client === undefined ? undefined : this.scopeOf(client);
    const entries = await this.store.list(scope, limit, after);
    return {
      entries,
      ...(entries.length === limit ? { next: encodeCursor(entries[entries.length - 1]) } : {}),
    };
  }

  /**
   * The email without its suppressed recipients, and those recipients (as given). The caller
   * refuses the email when nothing is left (`422 suppressed`).
   */
  async split(
    client: string,
    email: OutgoingEmail,
  ): Promise<{ email: OutgoingEmail; suppressed: string[] }> {
    const all = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])];
    const hit = await this.store.suppressed(this.scopeOf(client), [
      ...new Set(all.map(normaliseAddress)),
    ]);
    if (hit.size === 0) return { email, suppressed: [] };
    const keep = (list?: string[]) => list?.filter((m) => !hit.has(normaliseAddress(m)));
    const suppressed = all.filter((m) => hit.has(normaliseAddress(m)));
    this.refusedMetric.inc({ client: this.clients.label(client) }, suppressed.length);
    return {
      email: { ...email, to: keep(email.to)!, cc: keep(email.cc), bcc: keep(email.bcc) },
      suppressed,
    };
  }

  /** `split`, refusing the email (422 suppressed, nothing queued) when nobody is left. */
  async withoutSuppressed(client: string, email: OutgoingEmail) {
    let split: Awaited<ReturnType<SuppressionList['split']>>;
    try {
      split = await this.split(client, email);
    } catch {
      // The list's store (Redis, SQLite) did not answer: refuse before anything is queued,
      // like the queue itself would (503 + Retry-After), rather than a 500.
      throw new ServiceUnavailableError(
        'the suppression list is unreachable; nothing was queued',
        SUPPRESSION_RETRY_AFTER_SECONDS,
      );
    }
    const left =
      split.email.to.length + (split.email.cc?.length ?? 0) + (split.email.bcc?.length ?? 0);
    if (split.suppressed.length > 0 && left === 0) {
      throw new ApiError(
        422,
        'suppressed',
        'every recipient is on the suppression list (GET /suppressions); nothing was queued',
      );
    }
    return split;
  }

  /** Recipients a relay refused for good (Deliverer): added unless SUPPRESS_ON_REFUSAL=false. */
  recordRefusals(client: string, refusals: Array<{ address: string; reason: string }>): void {
    if (!this.config.suppressOnRefusal) return;
    for (const { address, reason } of refusals) {
      // The email's outcome is already final; a failed write is logged, never thrown into it.
      this.add(client, address, reason, 'refusal').catch((err: unknown) =>
        this.logger.error(
          `could not add a refused recipient to the suppression list: ${(err as Error).message}`,
        ),
      );
    }
  }

  onApplicationShutdown(): void {
    this.store.close?.();
  }
}
