import type { SuppressionEntry, SuppressionSource, SuppressionStore } from './suppression-store';

const key = (scope: string, address: string) => `${scope}\n${address}`;

/** QUEUE_DRIVER=memory: the list lives as long as the process, like its emails. */
export class MemorySuppressionStore implements SuppressionStore {
  private readonly entries = new Map<string, SuppressionEntry>();

  add(scope: string, address: string, source: SuppressionSource, reason: string, now: number) {
    const found = this.entries.get(key(scope, address));
    if (found) Object.assign(found, { source, reason, lastSeen: now, count: found.count + 1 });
    else
      this.entries.set(key(scope, address), {
        scope,
        address,
        source,
        reason,
        firstSeen: now,
        lastSeen: now,
        count: 1,
      });
    return Promise.resolve();
  }

  remove(scope: string, address: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(key(scope, address)));
  }

  suppressed(scope: string, addresses: string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(addresses.filter((a) => this.entries.has(key(scope, a)))));
  }

  get(scope: string, address: string): Promise<SuppressionEntry | undefined> {
    const found = this.entries.get(key(scope, address));
    return Promise.resolve(found && { ...found });
  }

  list(scope: string | undefined, limit: number, after?: [string, string]) {
    const from = after ? key(...after) : '';
    const page = [...this.entries.entries()]
      .filter(([k, e]) => (scope === undefined || e.scope === scope) && k > from)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([, e]) => ({ ...e }));
    return Promise.resolve(page);
  }
}
