import type { ReplicaAck } from './replica-ack';

/** Completions are confirmed in batches: at most one marker write + WAIT per this many ms. */
const FLUSH_MS = 50;
const MAX_PENDING = 10_000;

/**
 * BullMQ's own moves (to active, to completed) are not WAITed for: a master killed before it
 * replicated them comes back, promoted, with the job still waiting, and another replica sends
 * it again with nothing in the job to say so. Each batch of completions is therefore confirmed
 * (ReplicaAck.confirmAll); a batch that cannot be — the master died, or a failover happened
 * since the last batch — is reported as possible duplicates, never silently resent.
 */
export class CompletionReplication {
  private pending: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly replicas: ReplicaAck,
    private readonly markerKey: string,
    private readonly unconfirmed: (ids: string[]) => void,
  ) {}

  /** With REDIS_WAIT_REPLICAS ≥ 1 only; `flag` is told each email that may go out twice. */
  static when(
    replicas: ReplicaAck | undefined,
    prefix: string,
    flag: (emailId: string) => void,
  ): CompletionReplication | undefined {
    if (!replicas || replicas.required === 0) return undefined;
    return new CompletionReplication(replicas, `${prefix}:mw-replicated`, (ids) =>
      ids.forEach(flag),
    );
  }

  note(id: string): void {
    if (this.pending.length < MAX_PENDING) this.pending.push(id);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async flush(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    const confirmed = await this.replicas.confirmAll(this.markerKey).catch(() => false);
    // The next batch starts after this one is decided, so one failover flags each batch once.
    this.timer = undefined;
    if (this.pending.length > 0) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
    if (!confirmed) this.unconfirmed(ids);
  }
}
