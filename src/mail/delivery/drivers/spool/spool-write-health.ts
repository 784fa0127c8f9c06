import type { GroupCommit } from './group-commit';
import type { SpoolStore } from './spool-store';

/** What a readiness probe writes while the spool is failing: an email with an attachment. */
const PROBE_BYTES = 64 * 1024;

/**
 * Whether the spool can write (issue 25): after a refused write (disk full, I/O error) the
 * pod is not ready. A pod that is not ready gets no traffic, so no email would show that the
 * disk has room again: while failing, each readiness check starts a write of an email's
 * size (one at a time), and its success makes the pod ready again.
 */
export class SpoolWriteHealth {
  private failing = false;
  private probing = false;

  constructor(
    private readonly store: SpoolStore,
    private readonly commits: GroupCommit,
  ) {}

  failed(): void {
    this.failing = true;
  }

  succeeded(): void {
    this.failing = false;
  }

  healthy(): boolean {
    if (this.failing) this.probe();
    return !this.failing;
  }

  private probe(): void {
    if (this.probing || !this.store.isOpen) return;
    this.probing = true;
    this.commits
      .run(() => this.store.probeWrite(PROBE_BYTES))
      .then(() => this.commits.run(() => this.store.probeWrite(0)))
      .then(
        () => (this.failing = false),
        () => undefined,
      )
      .finally(() => (this.probing = false));
  }
}
